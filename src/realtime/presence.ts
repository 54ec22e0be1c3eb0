// Presence: who is in a project room right now, on every instance (README, Presence).
//
// Joins and leaves are read where every path ends: the adapter's `join-room` / `leave-room` for
// this instance's sockets. Subscribe, unsubscribe, a removed member, a deleted project, an expired
// or changed login and a disconnect all come through there, so no path can forget to tell presence.
// A leave during `disconnecting` is a lost connection (kept for the grace period, presence-local.ts);
// any other is a decision (at once).
//
// Each instance emits `presence_join` / `presence_leave` to its own sockets of the room (io.local)
// when its view of the whole cluster changes (presence-view.ts): the events are not logged, carry
// no seq and are not replayed; a subscribe ack carries the list instead. The other instances'
// parts arrive through presence-cluster.ts.
import type { Server, Socket } from 'socket.io'
import { PRESENCE_EVENTS, type PresenceEvent } from './events'
import { LocalPresence } from './presence-local'
import { PresenceCluster } from './presence-cluster'
import type { PresenceEntry, PresenceIdentity } from './presence-types'
import { PresenceView, type PresenceChange } from './presence-view'
import { projectIdOfRoom, projectRoom, quietRoom } from './rooms'
import { sharedListener } from './shared-listener'

export interface PresenceOptions {
  instance: string
  /** How long an entry whose last socket lost its connection stays (PRESENCE_GRACE_MS). */
  graceMs: number
  /** The heartbeat interval: instances announce their parts at this pace and expire silent ones. */
  intervalMs: number
  /** The local user of AUTH=off: its sockets are one entry each (`conn:<socket id>`). */
  localUserId?: () => number | undefined
  log?: (message: string) => void
}

/** The entry of a socket without an identity of its own: each connection is one. */
export const connectionIdentity = (socketId: string): PresenceIdentity => ({
  key: `conn:${socketId}`,
  user_id: null,
  email: null,
  name: 'local'
})

/** The entry of a user: all their sockets, on every instance. */
export const userIdentity = (user: { id: number; email?: string | null }): PresenceIdentity => ({
  key: `user:${user.id}`,
  user_id: user.id,
  email: user.email ?? null,
  name: user.email ?? `user ${user.id}`
})

/** Who a socket is (its Feathers connection's user); no user, or the local user, is per connection. */
export function socketIdentity(socket: Socket, localUserId?: number): PresenceIdentity {
  const user = (socket as Socket & { feathers?: { user?: { id?: unknown; email?: string | null } } }).feathers?.user
  if (typeof user?.id !== 'number' || user.id === localUserId) return connectionIdentity(socket.id)
  return userIdentity({ id: user.id, email: user.email })
}

export class Presence {
  readonly view = new PresenceView()
  readonly local: LocalPresence
  private readonly cluster: PresenceCluster
  private io?: Server
  /** Sockets between `disconnecting` and `disconnect`: their leaves are lost connections. */
  private readonly closing = new Set<string>()
  private readonly onDisconnecting = sharedListener((socket) => this.closing.add(socket.id))
  /** The socket whose join is being handled: it does not hear its own join (its ack has the list). */
  private joining?: string

  constructor(private readonly options: PresenceOptions) {
    this.local = new LocalPresence(options.graceMs, (projectId, key, part) => {
      this.cluster.tell(projectId, key, part)
      this.apply(this.view.set(options.instance, projectId, key, part))
    })
    this.cluster = new PresenceCluster({
      instance: options.instance,
      intervalMs: options.intervalMs,
      holding: () => this.local.holding(),
      view: this.view,
      apply: (changes) => changes.forEach((change) => this.apply(change)),
      log: options.log
    })
  }

  /** The entries present in a project, cluster-wide as this instance knows them. */
  list(projectId: number): PresenceEntry[] {
    return this.view.list(projectId)
  }

  /** Follows this server's rooms; `clustered`: the adapter carries server-side requests. */
  bind(io: Server, clustered: boolean) {
    this.io = io
    const namespace = io.of('/')
    namespace.adapter.on('join-room', (room: string, id: string) => {
      const projectId = projectIdOfRoom(room)
      const socket = projectId === null ? undefined : namespace.sockets.get(id)
      if (projectId === null || !socket) return
      this.joining = id
      try {
        this.local.joined(projectId, id, this.identify(socket))
      } finally {
        this.joining = undefined
      }
    })
    namespace.adapter.on('leave-room', (room: string, id: string) => {
      const projectId = projectIdOfRoom(room)
      if (projectId !== null) this.local.left(projectId, id, this.closing.has(id))
    })
    // A shared listener (`on`: a socket disconnects once; `once` would wrap it in a bound function
    // and a state object per socket). Its `disconnect` is the realtime plugin's (disconnected()).
    io.on('connection', (socket) => socket.on('disconnecting', this.onDisconnecting))
    if (clustered) this.cluster.bind(io)
  }

  /** A socket disconnected (after its rooms' leaves): it is no longer closing. */
  disconnected(socket: Socket) {
    this.closing.delete(socket.id)
  }

  /** Before the sockets close: the others hear this instance's entries go after the grace period. */
  stop() {
    this.cluster.stop(this.options.graceMs)
    this.local.stop()
  }

  private identify(socket: Socket): PresenceIdentity {
    return socketIdentity(socket, this.options.localUserId?.())
  }

  /** A change of the cluster-wide view: this instance's sockets of the room hear joins and leaves. */
  private apply(change: PresenceChange | undefined) {
    if (!change || change.kind === 'update') return
    const event = change.kind === 'join' ? PRESENCE_EVENTS.join : PRESENCE_EVENTS.leave
    const payload: PresenceEvent = { project_id: change.projectId, user: change.entry }
    const room = this.io?.local.to(projectRoom(change.projectId))
    // Not to sockets that asked for no presence, nor to the socket whose join this is.
    const quiet = quietRoom(change.projectId)
    const target = room?.except(this.joining ? [quiet, this.joining] : quiet)
    target?.emit(event, payload)
  }
}
