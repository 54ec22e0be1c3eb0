// A timer that sends `heartbeat` to every socket of this instance. Started by the app's setup hook,
// stopped by its teardown hook; unref'd so it never keeps a process alive on its own.
import type { HeartbeatEvent } from './events'

export interface HeartbeatOptions {
  intervalMs: number
  build: () => Promise<HeartbeatEvent>
  send: (event: HeartbeatEvent) => void
  onError?: (error: unknown) => void
}

export class Heartbeat {
  private timer?: NodeJS.Timeout
  private beating = false

  constructor(private readonly options: HeartbeatOptions) {}

  get running() {
    return this.timer !== undefined
  }

  start() {
    if (this.timer) return
    this.timer = setInterval(() => void this.beat(), this.options.intervalMs)
    this.timer.unref()
  }

  stop() {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One beat; a beat still waiting for a cluster count is not overlapped by the next one. */
  async beat() {
    if (this.beating) return
    this.beating = true
    try {
      const event = await this.options.build()
      if (this.timer) this.options.send(event)
    } catch (error) {
      this.options.onError?.(error)
    } finally {
      this.beating = false
    }
  }
}
