// The vibecode job queue: one job per posted message, at most `concurrency` model streams at once
// per process, at most `queueMax` waiting. A job moves its message pending -> streaming ->
// completed | failed, stores patch, usage and error on it, and publishes token_usage (volatile,
// throttled), then vibecode_response or vibecode_error to the project room.
import { NotFound, Unavailable } from '@feathersjs/errors'
import type { Application } from '../declarations'
import type { TokenUsage } from '../realtime/events'
import type { Message, MessageRow } from '../services/messages/messages.schema'
import { extractPatch } from './patch'
import { SYSTEM_PROMPT } from './prompt'
import type { Provider } from './providers'
import { VibecodeFailure } from './providers'
import { Throttle } from './throttle'

export interface JobOptions {
  concurrency: number
  queueMax: number
  timeoutMs: number
  /** Minimum time between two token_usage events of one message (default 100 ms). */
  usageIntervalMs?: number
  log?: (message: string) => void
}

export class VibecodeJobs {
  private readonly waiting: Message[] = []
  private readonly running = new Map<number, AbortController>()
  private readonly settled = new Set<Promise<void>>()
  private stopped = false

  constructor(
    private readonly app: Application,
    readonly provider: Provider,
    private readonly options: JobOptions
  ) {}

  get stats() {
    return { running: this.running.size, waiting: this.waiting.length, concurrency: this.options.concurrency }
  }

  /** Refuses a new message (503, nothing stored) when the queue is full. */
  assertCapacity() {
    if (this.waiting.length >= this.options.queueMax) {
      throw new Unavailable(`The vibecode queue is full (${this.options.queueMax} waiting); try again shortly`)
    }
  }

  enqueue(message: Message) {
    if (this.stopped) return
    this.waiting.push(message)
    this.pump()
  }

  /** At start-up: messages a previous process left pending or streaming will not be answered. */
  async recover() {
    const stuck = (await this.app.service('messages').find({
      query: { status: { $in: ['pending', 'streaming'] } },
      paginate: false
    })) as Message[]
    for (const message of stuck) {
      await this.fail(message, new VibecodeFailure('interrupted', 'The server restarted before this message was answered'), 0)
    }
    if (stuck.length > 0) this.options.log?.(`marked ${stuck.length} interrupted message(s) failed`)
  }

  /** At shutdown: abort the running streams; their messages end failed ('interrupted'). */
  async stop() {
    this.stopped = true
    const waiting = this.waiting.splice(0)
    for (const controller of this.running.values()) {
      controller.abort(new VibecodeFailure('interrupted', 'The server shut down while this message was being answered'))
    }
    await Promise.all([...this.settled])
    for (const message of waiting) {
      await this.fail(message, new VibecodeFailure('interrupted', 'The server shut down before this message was answered'), 0)
    }
  }

  private pump() {
    while (!this.stopped && this.running.size < this.options.concurrency && this.waiting.length > 0) {
      const message = this.waiting.shift()!
      const controller = new AbortController()
      this.running.set(message.id, controller)
      const job = this.run(message, controller)
        .catch((error) => this.options.log?.(`vibecode job ${message.id} failed to settle: ${String(error)}`))
        .finally(() => {
          this.running.delete(message.id)
          this.settled.delete(job)
          this.pump()
        })
      this.settled.add(job)
    }
  }

  private update(id: number, fields: Partial<MessageRow>) {
    return this.app.service('messages').patch(id, { ...fields, updated_at: new Date().toISOString() } as any)
  }

  private async run(message: Message, controller: AbortController) {
    const started = Date.now()
    const { provider } = this
    const { realtime } = this.app
    const ids = { session_id: message.session_id, message_id: message.id }
    const timer = setTimeout(
      () => controller.abort(new VibecodeFailure('timeout', `No complete answer within ${this.options.timeoutMs} ms`)),
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
        signal: controller.signal,
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
      const failure =
        error instanceof VibecodeFailure ? error : new VibecodeFailure('internal', `Unexpected error: ${String(error)}`)
      await this.fail(message, failure, Date.now() - started)
    } finally {
      clearTimeout(timer)
    }
  }

  private async fail(message: Message, failure: VibecodeFailure, durationMs: number) {
    await this.update(message.id, {
      status: 'failed',
      error_code: failure.code,
      error_message: failure.message,
      duration_ms: durationMs
    })
    await this.app.realtime.publish(message.project_id, 'vibecode_error', {
      session_id: message.session_id,
      message_id: message.id,
      provider: this.provider.name,
      error: { code: failure.code, message: failure.message }
    })
  }
}
