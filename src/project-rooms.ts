// The client side of project rooms (used by src/client.ts; runs in the browser and in Node).
//
// Delivery guarantee it builds on: the server numbers every logged project event with a per-project
// seq and replays the ones after `since` on subscribe. Here, per project:
//  - the last seq handed to the application is remembered;
//  - after every (re)connect the subscription is sent again with `since` = that seq;
//  - events are handed over in seq order, exactly once: duplicates are dropped, an event that
//    arrives ahead of a missing one waits, and a gap that does not fill by itself is refilled by
//    subscribing again from the last seq;
//  - when the server cannot replay (since older than its retention), `onReset` tells the
//    application to refetch the project's state over REST.
// Events without seq (live-only ones: token_usage, test_output) are handed over as they come.
import type { Socket } from 'socket.io-client'
import type {
  HeartbeatEvent,
  StreamPositionEvent,
  SubscriptionAck,
  SubscriptionOk,
  SubscriptionRevokedEvent
} from './realtime/events'
import { CONTROL_EVENTS } from './realtime/events/names'
import { SubscriptionError } from './project-rooms.options'
import { ProjectPresence, type PresenceListener } from './project-presence'
import type { ConnectionState, Logger, ProjectRoomsOptions, SubscriptionHandlers } from './project-rooms.options'

export { SubscriptionError }
export type { ConnectionState, Logger, ProjectRoomsOptions, SubscriptionHandlers }

interface Pending {
  event: string
  payload: any
}

/** What the client keeps per followed project: its handlers and its place in the stream. */
interface FollowedProject {
  handlers: SubscriptionHandlers
  /** Seq of the last event handed over; undefined until the first ack. */
  last?: number
  /** The epoch `last` belongs to (from the acks): sent back so another stream is never resumed. */
  epoch?: string
  /** false while a subscribe is in flight: events wait in `ahead`. */
  ready: boolean
  ahead: Map<number, Pending>
  gapTimer?: ReturnType<typeof setTimeout>
}

type Listener = (payload: any) => void

const IGNORED = new Set<string>([
  CONTROL_EVENTS.subscribeResult,
  CONTROL_EVENTS.unsubscribeResult,
  CONTROL_EVENTS.subscriptionRevoked,
  CONTROL_EVENTS.streamPosition,
  CONTROL_EVENTS.authExpiring,
  CONTROL_EVENTS.authExpired
])

/** The project an event belongs to: `project_id`, or the record's own id for `projects *` events. */
function projectOf(event: string, payload: any): number | undefined {
  if (!payload || typeof payload !== 'object') return undefined
  if (typeof payload.project_id === 'number') return payload.project_id
  if (event.startsWith('projects ') && typeof payload.id === 'number') return payload.id
  return undefined
}

export class ProjectRooms {
  private readonly projects = new Map<number, FollowedProject>()
  private readonly listeners = new Map<string, Set<Listener>>()
  private readonly stateListeners = new Set<(state: ConnectionState) => void>()
  private readonly ackTimeoutMs: number
  private readonly gapTimeoutMs: number
  private readonly logger: Logger
  private connectionState: ConnectionState
  /** Who is in each followed project (project-presence.ts). */
  private readonly presenceLists: ProjectPresence

  constructor(
    readonly socket: Socket,
    options: ProjectRoomsOptions = {}
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000
    this.gapTimeoutMs = options.gapTimeoutMs ?? 2_000
    this.logger = options.logger ?? console
    this.connectionState = socket.connected ? 'connected' : 'connecting'
    this.presenceLists = new ProjectPresence(socket)

    socket.on('connect', () => {
      this.setState('connected')
      // A reconnected socket is a new server-side socket in no room: subscribe again, from the
      // last seq handed over, so the server replays what happened meanwhile.
      for (const projectId of this.projects.keys()) this.resubscribe(projectId).catch(() => undefined)
    })
    socket.on('disconnect', () => {
      this.setState('disconnected')
      for (const project of this.projects.values()) project.ready = false
    })
    socket.io.on('reconnect_attempt', () => this.setState('reconnecting'))
    socket.on(CONTROL_EVENTS.subscriptionRevoked, (event: SubscriptionRevokedEvent) => this.revoked(event))
    socket.on(CONTROL_EVENTS.streamPosition, (event: StreamPositionEvent) => this.positioned(event))
    socket.onAny((event: string, payload: unknown) => this.intake(event, payload))
  }

  get state(): ConnectionState {
    return this.connectionState
  }

  /** Project ids this client is subscribed to. */
  get subscribed(): number[] {
    return [...this.projects.keys()]
  }

  /** The seq of the last event handed over for a project. */
  lastSeq(projectId: number): number | undefined {
    return this.projects.get(projectId)?.last
  }

  async subscribe(projectId: number, handlers: SubscriptionHandlers = {}): Promise<SubscriptionOk> {
    const existing = this.projects.get(projectId)
    const project: FollowedProject = existing ?? { handlers, ready: false, ahead: new Map() }
    project.handlers = handlers
    this.projects.set(projectId, project)
    try {
      return await this.resubscribe(projectId)
    } catch (error) {
      if (!existing) this.projects.delete(projectId)
      throw error
    }
  }

  async unsubscribe(projectId: number): Promise<SubscriptionOk> {
    const project = this.projects.get(projectId)
    if (project) clearTimeout(project.gapTimer)
    this.projects.delete(projectId)
    this.presenceLists.forget(projectId)
    return this.request(CONTROL_EVENTS.unsubscribe, { project_id: projectId })
  }

  /** Who is in a followed project now: from the subscribe acks, kept up to date by presence events. */
  presence(projectId: number) {
    return this.presenceLists.list(projectId)
  }

  /** Calls `listener` with the project's presence list after every change; returns the unsubscribe function. */
  onPresence(projectId: number, listener: PresenceListener): () => void {
    return this.presenceLists.on(projectId, listener)
  }

  /** Subscribes again to every followed project from its last seq (after a new login, say). */
  resubscribeAll(): Promise<unknown> {
    return Promise.allSettled([...this.projects.keys()].map((projectId) => this.resubscribe(projectId)))
  }

  /**
   * Where the project's stream stands (positioning): behind it, or on another epoch, something was
   * missed (an outage between instances): subscribe again from the last seq, the replay fills it.
   */
  private positioned({ project_id, seq, epoch }: StreamPositionEvent) {
    const project = this.projects.get(project_id)
    if (!project?.ready || project.last === undefined) return
    if (seq > project.last || (project.epoch !== undefined && epoch !== project.epoch)) {
      this.logger.debug(
        `[vibecode] project ${project_id}: the stream is at ${seq}, we are at ${project.last}: resuming`
      )
      this.resubscribe(project_id).catch(() => undefined)
    }
  }

  /**
   * The server took this socket out of a room. An expired or changed login: events wait until
   * the subscription is renewed (src/client-auth.ts does that). A removed member or project: the
   * project is not followed any more, and onError says why (403 / 404, data.reason).
   */
  private revoked(event: SubscriptionRevokedEvent) {
    const project = this.projects.get(event.project_id)
    if (!project) return
    if (event.reason === 'auth_expired' || event.reason === 'auth_changed') {
      project.ready = false
      return
    }
    clearTimeout(project.gapTimer)
    this.projects.delete(event.project_id)
    this.presenceLists.forget(event.project_id)
    const gone = event.reason === 'project_removed'
    const message = gone
      ? `Project ${event.project_id} was removed`
      : `You are no longer a member of project ${event.project_id}`
    project.handlers.onError?.(
      new SubscriptionError({ name: gone ? 'NotFound' : 'Forbidden', code: gone ? 404 : 403, message, data: event })
    )
  }

  /** Room events by name (`messages created`, `vibecode_response`, …), ordered and exactly once. */
  on(event: string, handler: Listener): () => void {
    const set = this.listeners.get(event) ?? new Set()
    set.add(handler)
    this.listeners.set(event, set)
    return () => set.delete(handler)
  }

  onHeartbeat(handler: (event: HeartbeatEvent) => void): () => void {
    return this.on(CONTROL_EVENTS.heartbeat, handler)
  }

  onState(handler: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(handler)
    return () => this.stateListeners.delete(handler)
  }

  private setState(state: ConnectionState) {
    if (state === this.connectionState) return
    this.connectionState = state
    this.logger.debug(`[vibecode] connection ${state}`)
    for (const handler of this.stateListeners) handler(state)
  }

  /** Subscribe (again) from the last seq handed over; settles the events that waited meanwhile. */
  private async resubscribe(projectId: number): Promise<SubscriptionOk> {
    const project = this.projects.get(projectId)
    if (!project) throw new Error(`not subscribed to project ${projectId}`)
    project.ready = false
    clearTimeout(project.gapTimer)
    const since = project.last
    try {
      const ack = await this.request(
        CONTROL_EVENTS.subscribe,
        since === undefined ? { project_id: projectId } : { project_id: projectId, since, epoch: project.epoch }
      )
      if (this.projects.get(projectId) !== project) return ack
      project.epoch = ack.epoch
      this.presenceLists.acknowledged(ack)
      if (since === undefined || ack.recovered === false) {
        if (since !== undefined)
          this.logger.warn(
            `[vibecode] project ${projectId}: events after seq ${since} are no longer kept; refetch its state`
          )
        project.last = ack.seq ?? 0
        if (since !== undefined) project.handlers.onReset?.(ack)
      } else if (ack.replayed) {
        this.logger.debug(`[vibecode] project ${projectId}: resumed after seq ${since}, ${ack.replayed} replayed`)
      }
      project.ready = true
      this.drain(projectId, project)
      return ack
    } catch (error) {
      const failure =
        error instanceof SubscriptionError
          ? error
          : new SubscriptionError({ name: 'Timeout', code: 408, message: String(error) })
      // A project that is gone will not come back: stop following it.
      if (failure.code === 404) this.projects.delete(projectId)
      project.handlers.onError?.(failure)
      throw failure
    }
  }

  private intake(event: string, payload: any) {
    if (IGNORED.has(event)) return
    if (event === CONTROL_EVENTS.heartbeat) {
      this.logger.debug(`[vibecode] heartbeat: ${payload?.connections} connections`, payload)
      this.emit(event, payload)
      return
    }
    const projectId = projectOf(event, payload)
    const project = projectId === undefined ? undefined : this.projects.get(projectId)
    const seq = payload?.seq
    if (!project || typeof seq !== 'number') {
      // Not a project we follow through here, or a live-only event: as it comes.
      this.emit(event, payload, projectId)
      return
    }
    if (project.last !== undefined && seq <= project.last) return // a duplicate
    project.ahead.set(seq, { event, payload })
    if (project.ready) this.drain(projectId!, project)
  }

  /** Hands over every waiting event that comes next in seq order; watches a gap that remains. */
  private drain(projectId: number, project: FollowedProject) {
    if (project.last === undefined) return
    for (const seq of project.ahead.keys()) if (seq <= project.last) project.ahead.delete(seq)
    for (let next = project.ahead.get(project.last + 1); next; next = project.ahead.get(project.last + 1)) {
      project.ahead.delete(project.last + 1)
      project.last++
      this.emit(next.event, next.payload, projectId)
      if (this.projects.get(projectId) !== project) return
    }
    clearTimeout(project.gapTimer)
    if (project.ahead.size > 0) {
      // Something after a missing seq arrived: give the missing one a moment, then ask again.
      project.gapTimer = setTimeout(() => {
        if (project.ahead.size > 0 && this.socket.connected) this.resubscribe(projectId).catch(() => undefined)
      }, this.gapTimeoutMs)
    }
  }

  private emit(event: string, payload: any, projectId?: number) {
    if (projectId !== undefined) this.projects.get(projectId)?.handlers.onEvent?.(event, payload)
    for (const handler of this.listeners.get(event) ?? []) handler(payload)
  }

  private async request(event: string, body: object): Promise<SubscriptionOk> {
    const ack: SubscriptionAck = await this.socket.timeout(this.ackTimeoutMs).emitWithAck(event, body)
    if (!ack.ok) throw new SubscriptionError(ack.error)
    return ack
  }
}
