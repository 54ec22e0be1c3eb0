// Maps what the SDKs throw (they share one error shape: APIError with a status, connection and
// timeout errors, aborts) to the failure codes stored on a message.
import { VibecodeFailure } from './types'

export function toFailure(error: unknown, provider: string, signal: AbortSignal): VibecodeFailure {
  if (error instanceof VibecodeFailure) return error
  const e = error as { status?: number; name?: string; message?: string; constructor?: { name?: string } }
  const kind = e?.constructor?.name ?? e?.name ?? ''
  const message = String(e?.message ?? error).slice(0, 500)
  if (signal.aborted) {
    const reason = signal.reason as VibecodeFailure | undefined
    return reason instanceof VibecodeFailure ? reason : new VibecodeFailure('timeout', `${provider}: timed out`)
  }
  if (e?.status === 429) return new VibecodeFailure('rate_limited', `${provider} rate limit: ${message}`)
  if (typeof e?.status === 'number')
    return new VibecodeFailure('provider_error', `${provider} answered ${e.status}: ${message}`)
  if (/Timeout/i.test(kind)) return new VibecodeFailure('timeout', `${provider}: ${message}`)
  return new VibecodeFailure('stream_broken', `${provider} stream broke: ${message}`)
}
