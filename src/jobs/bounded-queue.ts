// A bounded job queue: at most `concurrency` jobs run at once, the rest wait in order (at most
// `maxWaiting`, when set). Each running job gets its own AbortSignal, so one job can be stopped
// (a cancelled test run) or all of them (shutdown). The vibecode answers (src/vibecode/jobs.ts)
// and the test runs (src/testruns/index.ts) both queue their work here: one copy of the
// wait/run/pump/stop machinery instead of two.
import { detached } from '../transactions'

export interface BoundedJobQueueOptions<T> {
  /** Jobs running at once. */
  concurrency: number
  /** Jobs waiting at most; `enqueue` refuses more. No limit when unset. */
  maxWaiting?: number
  /** Runs one job; `signal` aborts when the job is aborted or the queue stops. */
  run: (item: T, signal: AbortSignal) => Promise<void>
  /** A job that threw: the queue goes on with the next one. */
  onError: (item: T, error: unknown) => void
}

/** What `enqueue` did with an item. */
export type EnqueueResult = 'queued' | 'full' | 'stopped'

interface RunningJob<T> {
  item: T
  controller: AbortController
  done: Promise<void>
}

export class BoundedJobQueue<T> {
  private readonly waiting: T[] = []
  private readonly running = new Set<RunningJob<T>>()
  private stopped = false
  /** Draining (settle): nothing new starts, the running jobs go on. */
  private held = false

  constructor(private readonly options: BoundedJobQueueOptions<T>) {}

  /** Jobs waiting and running now (the metrics' queue depth). */
  get depth() {
    return { waiting: this.waiting.length, running: this.running.size }
  }

  /** True when `maxWaiting` items wait: the next `enqueue` is refused. */
  get isFull() {
    return this.options.maxWaiting !== undefined && this.waiting.length >= this.options.maxWaiting
  }

  /** Queues an item (it starts at once when a slot is free), unless the queue is full or stopped. */
  enqueue(item: T): EnqueueResult {
    if (this.stopped) return 'stopped'
    if (this.isFull) return 'full'
    this.waiting.push(item)
    this.pump()
    return 'queued'
  }

  /** Takes the first waiting item that matches out of the queue (it never runs). */
  removeWaiting(matches: (item: T) => boolean): T | undefined {
    const index = this.waiting.findIndex(matches)
    return index === -1 ? undefined : this.waiting.splice(index, 1)[0]
  }

  /** Aborts the running jobs that match, with `reason` as their signal's reason. */
  /** Aborts the running jobs that match; resolves when those (and only those) have ended. */
  async abortRunning(matches: (item: T) => boolean, reason?: unknown) {
    const aborted = [...this.running].filter((job) => matches(job.item))
    for (const job of aborted) job.controller.abort(reason)
    await Promise.all(aborted.map((job) => job.done))
  }

  /** Resolves when the jobs running now have ended (jobs started later are not waited for). */
  async runningEnded() {
    await Promise.all([...this.running].map((job) => job.done))
  }

  /**
   * For a shutdown's grace period: starts nothing more (the waiting stay for stop()) and resolves
   * true when the running jobs have ended, false when `graceMs` ran out first.
   */
  async settle(graceMs: number): Promise<boolean> {
    this.held = true
    let timer: NodeJS.Timeout | undefined
    const graceOver = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))
    try {
      return await Promise.race([this.runningEnded().then(() => true), graceOver])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Stops for good: nothing more starts, the running jobs are aborted with `reason` and waited
   * for, and the items still waiting are handed back to the caller, who decides what they become.
   */
  async stop(reason?: unknown): Promise<T[]> {
    this.stopped = true
    const waiting = this.waiting.splice(0)
    await this.abortRunning(() => true, reason)
    return waiting
  }

  private pump() {
    while (!this.stopped && !this.held && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const item = this.waiting.shift()!
      const job: RunningJob<T> = { item, controller: new AbortController(), done: Promise.resolve() }
      // A job outlives the call that queued it: it must not run in that call's transaction.
      job.done = detached(() => this.options.run(item, job.controller.signal))
        .catch((error) => this.options.onError(item, error))
        .finally(() => {
          this.running.delete(job)
          this.pump()
        })
      this.running.add(job)
    }
  }
}
