// The one refusal of every limit: a Feathers TooManyRequests (429) whose data says when to come
// back, `{retry_after_ms}`. REST answers it with a Retry-After header (http.ts), socket calls in
// their ack, a refused handshake as its connect_error's data.
import { FeathersError, TooManyRequests } from '@feathersjs/errors'

export interface RetryData {
  retry_after_ms: number
}

export function tooManyRequests(message: string, retryAfterMs: number): TooManyRequests {
  const wait = Math.max(1, Math.ceil(retryAfterMs))
  return new TooManyRequests(`${message}; try again in ${Math.ceil(wait / 1000)} s`, {
    retry_after_ms: wait
  } satisfies RetryData)
}

/** Whole seconds for a Retry-After header (at least 1), or undefined for any other error. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!(error instanceof FeathersError) || error.code !== 429) return undefined
  const ms = (error.data as Partial<RetryData> | undefined)?.retry_after_ms
  return typeof ms === 'number' && Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : undefined
}
