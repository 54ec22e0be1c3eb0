// The replay decision of a resuming subscriber, as a pure function (centrifuge's
// isStreamRecovered plays this part): given the `since` a client sends and the log's state, either
// nothing to replay (a fresh subscription), a replay of (since, latest], or a reset the client
// must answer by refetching state over REST. Kept apart so unit tests can call it directly.
import type { LogState } from './event-log'

export type RecoveryPlan =
  /** No `since`: a fresh subscription, live events from now on. */
  | { kind: 'fresh'; latest: number }
  /** Every event after `since` is retained: replay them, up to `latest`. */
  | { kind: 'replay'; since: number; latest: number }
  /** `since` is older than the retained log, or newer than anything logged: nothing can be trusted. */
  | { kind: 'reset'; latest: number }

export function planRecovery(since: number | undefined, state: LogState): RecoveryPlan {
  const { latest, pruned } = state
  if (since === undefined) return { kind: 'fresh', latest }
  if (since < pruned || since > latest) return { kind: 'reset', latest }
  return { kind: 'replay', since, latest }
}
