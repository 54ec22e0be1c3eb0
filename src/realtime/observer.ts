// What the realtime layer tells whoever watches it (metrics and logs: src/observability), through
// the `observer` option of the realtime plugin. Optional: without one nothing is measured. The
// calls are synchronous and must not throw; they never change what clients get.
import type { Socket } from 'socket.io'
import type { SubscriptionOk } from './events'

export type SubscribeOutcome = SubscriptionOk | { ok: false; error: unknown }

export interface RealtimeObserver {
  /**
   * A project event was handed to the adapter for `room` (ProjectStreams), `ms` after it was
   * published: its wait in the project's lane and its log append included.
   */
  published?(eventName: string, room: string, ms: number): void
  /** A subscribe (event or subscriptions service) was answered: its ack, or the error it got. */
  subscribed?(socket: Socket, outcome: SubscribeOutcome): void
  /** A connected socket disconnected (socket.io's reason), after it left its rooms. */
  disconnected?(socket: Socket, reason: string): void
}
