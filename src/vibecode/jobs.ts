// The vibecode job queue: one job per posted message, at most `concurrency` model streams at once
// per process, at most `queueMax` waiting. A job moves its message pending -> streaming ->
// completed | failed, stores patch, usage and error on it, and publishes token_usage (volatile,
// throttled), then vibecode_response or vibecode_error to the project room.
import { describeDbError } from '../database'
import { retryUntilDone } from '../jobs/retry'
import { NotFound, Unavailable } from '@feathersjs/errors'
import type { Application } from '../declarations'
import { BoundedJobQueue } from '../jobs/bounded-queue'
import { Throttle } from '../jobs/throttle'
import type { TokenUsage } from '../realtime/events'
import type { Message, MessagePatch } from '../services/messages/messages.schema'
import { extractPatch } from './patch'
import { SYSTEM_PROMPT } from './prompt'
import type { Provider } from './providers'
import { VibecodeFailure } from './providers'

/** How long a message's final state is retried while the database refuses it (then recovery at the next start). */
const FINAL_STATE_BUDGET_MS = 5 * 60_000
export interface JobOptions {
  concurrency: number
  queueMax: number
  timeoutMs: number
  /** Minimum time between two token_usage events of one message (default 100 ms). */
  usageIntervalMs?: number
  log?: (message: string) => void
}

// What a message that will not be answered says: cut off by this process's shutdown, or found
// unanswered at the next start (after a crash or a kill, when stop() never ran).
const SHUT_DOWN_WHILE_ANSWERING = 'The server shut down while this message was being answered'
const SHUT_DOWN_BEFORE_ANSWERING = 'The server shut down before this message was answered'
const RESTARTED = 'The server restarted before this message was answered'

export class VibecodeJobs {
  readonly queue: BoundedJobQueue<Message>

  constructor(
    private readonly app: Application,
    readonly provider: Provider,
    private readonly options: JobOptions
  ) {
    this.queue = new BoundedJobQueue<Message>({
      concurrency: options.concurrency,
      maxWaiting: options.queueMax,
      run: (message, signal) => this.run(message, signal),
      onError: (message, error) =>
        options.log?.(`vibecode job ${message.id} failed to settle: ${describeDbError(error)}`)
    })
  }

  /** Refuses a new message (503, nothing stored) when the queue is full. */
  assertCapacity() {
    if (this.queue.isFull) {
      throw new Unavailable(`The vibecode queue is full (${this.options.queueMax} waiting); try again shortly`)
    }
  }

  /** Queues a stored message. After stop() it stays pending: the next start's recover() fails it. */
  enqueue(message: Message) {
    if (this.queue.enqueue(message) !== 'full') return
    // Messages posted side by side can all pass assertCapacity before the first is queued: the
    // one that found the queue full is stored already, so it fails instead of waiting forever.
    const failure = new VibecodeFailure(
      'internal',
      'The vibecode queue filled up while this message was stored; post it again'
    )
    this.fail(message, failure, 0).catch((error) =>
      this.options.log?.(`vibecode message ${message.id} not failed: ${describeDbError(error)}`)
    )
  }

  /** At start-up: messages a previous process left pending or streaming will not be answered. */
  async recover() {
    const stuck = await this.app.service('messages').find({
      query: { status: { $in: ['pending', 'streaming'] } },
      paginate: false
    })
    for (const message of stuck) {
      await this.fail(message, new VibecodeFailure('interrupted', RESTARTED), 0)
    }
    if (stuck.length > 0) this.options.log?.(`marked ${stuck.length} interrupted message(s) failed`)
  }

  /** At shutdown: abort the running streams; their messages and the waiting ones end failed ('interrupted'). */
  async stop() {
    const waiting = await this.queue.stop(new VibecodeFailure('interrupted', SHUT_DOWN_WHILE_ANSWERING))
    for (const message of waiting) {
      await this.fail(message, new VibecodeFailure('interrupted', SHUT_DOWN_BEFORE_ANSWERING), 0)
    }
  }

  private update(id: number, fields: MessagePatch) {
    return this.app.service('messages').patch(id, { ...fields, updated_at: new Date().toISOString() })
  }

  /** Answers one message; `stopped` aborts when the server shuts down. */
  private async run(message: Message, stopped: AbortSignal) {
    const started = Date.now()
    const { provider } = this
    const { realtime } = this.app
    const ids = { session_id: message.session_id, message_id: message.id }
    const deadline = new AbortController()
    const timer = setTimeout(
      () => deadline.abort(new VibecodeFailure('timeout', `No complete answer within ${this.options.timeoutMs} ms`)),
      this.options.timeoutMs
    )
    const usage = new Throttle<TokenUsage>(this.options.usageIntervalMs ?? 100, (running) => {
      void realtime.publish(message.project_id, 'token_usage', { ...ids, ...running, final: false })
    })
    try {
      await this.update(message.id, { status: 'streaming', provider: provider.name, model: provider.model })
      const result = await provider.generate({
        system: SYSTEM_PROMPT,
        prompt: message.prompt,
        signal: AbortSignal.any([stopped, deadline.signal]),
        onUsage: (running) => usage.push(running)
      })
      usage.cancel()
      const patch = extractPatch(result.text)
      const duration = Date.now() - started
      await this.update(message.id, {
        status: 'completed',
        patch,
        model: result.model,
        duration_ms: duration,
        ...result.usage
      })
      await realtime.publish(message.project_id, 'token_usage', { ...ids, ...result.usage, final: true })
      await realtime.publish(message.project_id, 'vibecode_response', {
        ...ids,
        patch,
        token_usage: result.usage,
        provider: provider.name,
        model: result.model,
        duration_ms: duration
      })
    } catch (error) {
      usage.cancel()
      if (error instanceof NotFound) return // the message was removed meanwhile
      // Anything else (the database, a bug) is logged; the message says only that it happened.
      if (!(error instanceof VibecodeFailure)) this.options.log?.(`message ${message.id}: ${describeDbError(error)}`)
      const failure =
        error instanceof VibecodeFailure ? error : new VibecodeFailure('internal', 'Internal error while answering')
      // The database may be what failed: the final state is written again until it goes through.
      await this.fail(message, failure, Date.now() - started, FINAL_STATE_BUDGET_MS)
    } finally {
      clearTimeout(timer)
    }
  }

  /** Ends a message failed; with a budget, the write is retried while the database refuses it. */
  private async fail(message: Message, failure: VibecodeFailure, durationMs: number, budgetMs = 0) {
    const fields: MessagePatch = {
      status: 'failed',
      error_code: failure.code,
      error_message: failure.message,
      duration_ms: durationMs
    }
    await retryUntilDone(() => this.update(message.id, fields), {
      budgetMs,
      onRetry: (error, attempt) =>
        this.options.log?.(
          `message ${message.id}: its final state was not stored (attempt ${attempt}): ${describeDbError(error)}`
        )
    })
    await this.app.realtime.publish(message.project_id, 'vibecode_error', {
      session_id: message.session_id,
      message_id: message.id,
      provider: this.provider.name,
      error: { code: failure.code, message: failure.message }
    })
  }
}
