// Writing a job's final state when the database refuses: a message that stopped streaming, or a
// test run that ended, must not stay `streaming`/`running` because one write failed while the
// database was away. The write is tried again with backoff until it goes through (or the budget
// runs out - then the next start's recovery marks it, as after a crash).
export interface RetryOptions {
  /** Give up after this long (ms). */
  budgetMs: number
  /** First pause; doubles up to maxDelayMs. */
  firstDelayMs?: number
  maxDelayMs?: number
  onRetry?: (error: unknown, attempt: number) => void
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref())

export async function retryUntilDone<T>(work: () => Promise<T>, options: RetryOptions): Promise<T> {
  const giveUpAt = Date.now() + options.budgetMs
  let delay = options.firstDelayMs ?? 250
  for (let attempt = 1; ; attempt++) {
    try {
      return await work()
    } catch (error) {
      if (Date.now() + delay > giveUpAt) throw error
      options.onRetry?.(error, attempt)
      await pause(delay)
      delay = Math.min(delay * 2, options.maxDelayMs ?? 5000)
    }
  }
}
