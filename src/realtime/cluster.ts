// Counting over instances. Alone, an instance knows its count (O(1)). Behind the Redis adapter each
// instance answers a server-side `count` request with its own figures, so a total costs one
// round trip and O(instances) work - never a scan of sockets (fetchSockets would be O(N)).
import type { Server } from 'socket.io'
import type { DefaultEventsMap } from 'socket.io/dist/typed-events'
import type { SubscriptionRevokedEvent } from './events'
import type { PresenceMessage } from './presence-cluster'

export interface InstanceSnapshot {
  instance: string
  connections: number
  /** project id -> sockets in its room on that instance */
  rooms: Record<string, number>
}

export interface ClusterSnapshot {
  connections: number
  instances: number
  /** false when an instance did not answer in time: the figures are then a lower bound */
  complete: boolean
  rooms: Record<string, number>
}

/** A user's sockets leave a project room (a member was removed), on whichever instance they are. */
export interface RevokeRequest {
  user_id: number
  project_id: number
  reason: SubscriptionRevokedEvent['reason']
}

/** Requests instances send each other through the adapter (io.serverSideEmit). */
export interface ClusterRequests {
  'vibecode:count': (reply: (snapshot: InstanceSnapshot) => void) => void
  'vibecode:revoke': (request: RevokeRequest) => void
  /** Presence parts between instances (presence-cluster.ts). */
  'vibecode:presence': (message: PresenceMessage) => void
}

export type ClusterServer = Server<DefaultEventsMap, DefaultEventsMap, ClusterRequests>

/** The app's server is typed without server-side events; these are the ones we add to it. */
export const asClusterServer = (io: Server) => io as unknown as ClusterServer

/** How long a count waits for the other instances (the adapter's requestsTimeout, plus a margin). */
export const COUNT_BUDGET_MS = 1000

export class ClusterCounter {
  private io?: ClusterServer

  constructor(
    private readonly local: () => InstanceSnapshot,
    /** Whether the adapter's Redis connection is up: while it is down, nobody else can answer. */
    private readonly connected: () => boolean = () => true,
    private readonly budgetMs = COUNT_BUDGET_MS
  ) {}

  /** Answers other instances' count requests; only for adapters that support serverSideEmit. */
  answerRequests(io: Server, clustered: boolean) {
    const server = asClusterServer(io)
    this.io = clustered ? server : undefined
    if (!clustered) return
    server.on('vibecode:count', (reply) => {
      if (typeof reply === 'function') reply(this.local())
    })
  }

  /**
   * This instance's figures plus every other instance's that answers within the budget. Never
   * waits longer: the adapter first asks Redis how many instances listen (NUMSUB), a command that
   * waits in the client's offline queue for as long as Redis is down - so during an outage the
   * answer is this instance alone, `complete: false`, at once.
   */
  async snapshot(): Promise<ClusterSnapshot> {
    const own = this.local()
    const io = this.io
    if (!io) return merge([own], true)
    if (!this.connected()) return merge([own], false)
    const { others, complete } = await new Promise<{ others: InstanceSnapshot[]; complete: boolean }>((resolve) => {
      const timer = setTimeout(() => resolve({ others: [], complete: false }), this.budgetMs + 250)
      try {
        // The adapter's requestsTimeout bounds the wait; late instances are left out (complete: false).
        io.serverSideEmit('vibecode:count', (error: Error | null, responses: InstanceSnapshot[]) => {
          clearTimeout(timer)
          resolve({ others: Array.isArray(responses) ? responses : [], complete: !error })
        })
      } catch {
        clearTimeout(timer)
        resolve({ others: [], complete: false })
      }
    })
    return merge([own, ...others], complete)
  }
}

function merge(snapshots: InstanceSnapshot[], complete: boolean): ClusterSnapshot {
  const rooms: Record<string, number> = {}
  let connections = 0
  for (const snapshot of snapshots) {
    connections += snapshot.connections
    for (const [projectId, count] of Object.entries(snapshot.rooms)) rooms[projectId] = (rooms[projectId] ?? 0) + count
  }
  return { connections, instances: snapshots.length, complete, rooms }
}
