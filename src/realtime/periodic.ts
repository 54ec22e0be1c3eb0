// A task run every interval, never overlapping itself: a round still waiting (for a cluster count,
// for the database) is not joined by the next one. Unref'd: it never keeps a process alive. The
// heartbeat and positioning are both one of these.
export class PeriodicTask {
  private timer?: NodeJS.Timeout
  private busy = false

  constructor(
    private readonly intervalMs: number,
    private readonly task: () => Promise<void>,
    private readonly onError?: (error: unknown) => void
  ) {}

  get running() {
    return this.timer !== undefined
  }

  start() {
    if (this.timer) return
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs)
    this.timer.unref()
  }

  stop() {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One round now (unless one is running). */
  async runOnce() {
    if (this.busy) return
    this.busy = true
    try {
      await this.task()
    } catch (error) {
      this.onError?.(error)
    } finally {
      this.busy = false
    }
  }
}
