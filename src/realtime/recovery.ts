// The replay decision of a resuming subscriber, as a pure function (centrifuge's
// isStreamRecovered plays this part): given the `since` (and `epoch`) a client sends and the log's
// state, either nothing to replay (a fresh subscription), a replay of (since, latest], or a reset
// the client must answer by refetching state over REST. Kept apart so unit tests can call it.
import type { LogState } from './event-log'

export type RecoveryPlan =
  /** No `since`: a fresh subscription, live events from now on. */
  | { kind: 'fresh'; latest: number }
  /** Every event after `since` is retained: replay them, up to `latest`. */
  | { kind: 'replay'; since: number; latest: number }
  /**
   * `since` belongs to another stream (its epoch differs: the log was reset or the project
   * re-created), is older than the retained log, or is newer than anything logged.
   */
  | { kind: 'reset'; latest: number }

export function planRecovery(since: number | undefined, epoch: string | undefined, state: LogState): RecoveryPlan {
  const { latest, pruned } = state
  if (since === undefined) return { kind: 'fresh', latest }
  if (epoch !== undefined && epoch !== state.epoch) return { kind: 'reset', latest }
  if (since < pruned || since > latest) return { kind: 'reset', latest }
  return { kind: 'replay', since, latest }
}
