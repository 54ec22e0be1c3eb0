// At most one call per interval, always ending on the latest value: token usage streams at up to
// ~10 events a second per message however fast the model streams (src/vibecode), and test output
// goes out in batches of at most one event per stream every 100 ms (src/testruns).
export class Throttle<T> {
  private latest?: T
  private timer?: ReturnType<typeof setTimeout>
  private lastSent = 0

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void
  ) {}

  push(value: T) {
    this.latest = value
    if (this.timer) return
    const wait = this.lastSent + this.intervalMs - Date.now()
    if (wait <= 0) this.flush()
    else this.timer = setTimeout(() => this.flush(), wait)
  }

  /** Drops a value still waiting (the final one is sent by the caller). */
  cancel() {
    clearTimeout(this.timer)
    this.timer = undefined
    this.latest = undefined
  }

  private flush() {
    this.timer = undefined
    if (this.latest === undefined) return
    const value = this.latest
    this.latest = undefined
    this.lastSent = Date.now()
    this.send(value)
  }
}
