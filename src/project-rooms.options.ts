// What an application hands the typed client's project rooms (src/project-rooms.ts) and what it
// gets back: options, per-project handlers, connection states, the error of a subscription.
// Only types come from the server's modules: this file bundles for the browser.
import type { ErrorPayload, SubscriptionOk } from './realtime/events'

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected'

export interface Logger {
  debug(...args: unknown[]): void
  warn(...args: unknown[]): void
}

export interface ProjectRoomsOptions {
  /** How long to wait for a subscribe ack (default 10 s). */
  ackTimeoutMs?: number
  /** How long an event may wait for a missing predecessor before the gap is refilled (default 2 s). */
  gapTimeoutMs?: number
  /** Heartbeats and resumes are logged at debug level (default: console). */
  logger?: Logger
}

export interface SubscriptionHandlers {
  /** Every event of the project, in seq order, once. */
  onEvent?: (event: string, payload: any) => void
  /** The server could not replay what was missed: refetch the project's state. */
  onReset?: (ack: SubscriptionOk) => void
  /** A (re-)subscription failed, e.g. the project was removed (404). */
  onError?: (error: SubscriptionError) => void
}

/** An error the server answered a subscription with (its Feathers error JSON). */
export class SubscriptionError extends Error {
  readonly code: number
  readonly data?: unknown

  constructor(payload: ErrorPayload) {
    super(payload.message)
    this.name = payload.name
    this.code = payload.code
    this.data = payload.data
  }
}
