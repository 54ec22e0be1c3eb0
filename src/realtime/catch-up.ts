// A resuming subscriber's catch-up, paced by what the server holds for its socket. A slow consumer
// that was cut (slow-consumers.ts) comes back with `since` and may have missed far more than the
// byte limit; replayed in one burst, as the project's lane does, its replay alone would pass the
// limit and cut it again, every time. So most of the replay goes out here first, before the lane:
// page by page from the log, each event waiting while the socket holds over half its limit. It
// runs outside the lane on purpose: a slow reader's catch-up must not hold back the project's live
// events for everyone else. The socket is not in the room yet, so live events cannot overtake it;
// the lane's join then replays only the few events logged since the last page, and joins.
import type { Socket } from 'socket.io'
import type { EventLog } from './event-log'
import { planRecovery } from './recovery'
import type { JoinProject } from './subscriptions'

/** undefined: send on; a promise: wait for it first (SlowConsumers.pace). */
export type Pace = (socket: Socket) => Promise<void> | undefined

/** Small pages: a page's events live until it is sent, and short-lived objects are cheap to collect. */
const PAGE = 20
/** A gap this small is left to the lane's join (one short burst). */
const LANE_GAP = 20
/** A stream that grows as fast as the client reads is handed to the lane after this many passes. */
const MAX_PASSES = 10

/** Wraps the lane's join: with `since`, a paced catch-up runs first. */
export function joinWithCatchUp(join: JoinProject, log: EventLog | undefined, pace: Pace): JoinProject {
  return async (socket, projectId, since, epoch) => {
    if (!log || since === undefined) return join(socket, projectId, since, epoch)
    const caughtUp = await catchUp(log, pace, socket, projectId, since, epoch)
    const joined = await join(socket, projectId, caughtUp.since, epoch)
    if (caughtUp.replayed === 0) return joined
    return { ...joined, replayed: (joined.replayed ?? 0) + caughtUp.replayed }
  }
}

/** Replays (since, latest] in paced pages until the gap is small; returns where it got to. */
async function catchUp(
  log: EventLog,
  pace: Pace,
  socket: Socket,
  projectId: number,
  since: number,
  epoch: string | undefined
) {
  let replayed = 0
  for (let pass = 0; pass < MAX_PASSES && socket.connected; pass++) {
    // A reset (another epoch, pruned, unknown seq) is the lane's to answer: nothing sent here.
    const plan = planRecovery(since, epoch, await log.state(projectId))
    if (plan.kind !== 'replay' || plan.latest - since <= LANE_GAP) break
    while (since < plan.latest && socket.connected) {
      const page = await log.read(projectId, since, PAGE)
      if (page.length === 0) break
      for (const entry of page) {
        if (entry.seq > plan.latest) break
        const wait = pace(socket)
        if (wait) await wait
        if (!socket.connected) break
        // The shape ProjectStreams' replay sends: the logged payload with its seq.
        socket.emit(entry.event, { ...entry.payload, seq: entry.seq })
        since = entry.seq
        replayed++
      }
      if (page[page.length - 1].seq > plan.latest) break
    }
  }
  return { since, replayed }
}
