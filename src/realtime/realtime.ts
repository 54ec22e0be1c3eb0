// The Realtime class: the socket.io transport and, with REDIS_URL, the cluster around it (the
// Redis adapter that carries room broadcasts, counts across instances). What it composes lives
// beside it: project streams (ordering, log, replay), subscriptions, revocations, connection
// tracking, the heartbeat. The Feathers plugin that creates it is index.ts.
import nodeCluster from 'cluster'
import os from 'os'
// Loaded when used (REDIS_URL, WORKERS > 1): the Redis client alone is ~30 MB of RSS (issue 10).
import type { createClient } from 'redis'
import type { Server, ServerOptions, Socket } from 'socket.io'
import { COUNT_BUDGET_MS, ClusterCounter, type ClusterSnapshot, type InstanceSnapshot } from './cluster'
import { ConnectionTracker } from './connections'
import { emitToNewSocket, enableFastBroadcast, holdWritesThisTurn } from './fast-broadcast'
import { sharedListener } from './shared-listener'
import type { EventLog } from './event-log'
import type { HeartbeatEvent, ProjectEventInput, ProjectEventName, ProjectEvents, Sequenced } from './events'
import { CONTROL_EVENTS } from './events'
import { Heartbeat, heartbeatPayload, type HeartbeatFigures } from './heartbeat'
import { Positioning } from './positioning'
import { Presence, type PresenceOptions } from './presence'
import { ProjectStreams } from './project-streams'
import { Revocations } from './revocations'
import { RoomChannel, RoomTarget, projectIdOfRoom, projectRoom } from './rooms'
import { Subscriptions, type AuthorizeSubscription, type JoinProject } from './subscriptions'
import { SlowConsumers, type SlowConsumerLimits } from './slow-consumers'
import { joinWithCatchUp } from './catch-up'
import type { RealtimeObserver } from './observer'

export interface RealtimeOptions {
  heartbeatIntervalMs: number
  /** Whether a browser page of this Origin may open a socket (no Origin: not a browser). */
  allowOrigin: (origin: string | undefined) => boolean
  /** Whether a handshake naming this Host is served (DNS-rebinding guard); default: any. */
  allowHost?: (host: string | undefined) => boolean
  /** Whether this socket may join this project's room; rejects with the error for the ack. */
  authorizeSubscription: AuthorizeSubscription
  /** Runs once per handshake before `connection`; a rejection becomes the client's connect_error. */
  handshake?: (socket: Socket) => Promise<void>
  /** The user a socket acts as, for revocations (undefined: anonymous). */
  userIdOf?: (socket: Socket) => number | undefined
  /** Runs for each new socket before anything else listens to it (per-socket middleware, limits). */
  onConnection?: (socket: Socket) => void
  /** Where project events are numbered and kept for resume; without one, events carry no seq. */
  eventLog?: EventLog
  /** How often the event log is pruned (retention and cap live in the log). */
  pruneIntervalMs?: number
  /** How often each project room hears its stream's position (positioning.ts); default 10 s. */
  positionIntervalMs?: number
  instanceId?: string
  redisUrl?: string
  redisPrefix?: string
  /** A worker of WORKERS > 1 (src/workers; default: cluster.isWorker): without Redis, the workers' IPC adapter. */
  nodeCluster?: boolean
  /** Extra socket.io server options. */
  socketOptions?: Partial<ServerOptions>
  log?: (message: string) => void
  /** Per-socket bounds on what the server holds for a client that does not read (slow-consumers.ts). */
  slowConsumers?: SlowConsumerLimits
  /** Hears what happens, for metrics and logs (observer.ts, src/observability). */
  observer?: RealtimeObserver
  /** While it gives a reason, new sockets are refused at the engine.io handshake (drain, src/observability). */
  refuseConnections?: () => string | undefined
  /** Presence (presence.ts): the grace period of lost connections and who a socket is. */
  presence?: Pick<PresenceOptions, 'graceMs' | 'localUserId'>
}

type RedisClient = ReturnType<typeof createClient>

export class Realtime {
  io?: Server
  readonly tracker = new ConnectionTracker()
  readonly subscriptions: Subscriptions
  readonly streams: ProjectStreams
  readonly heartbeat: Heartbeat
  /** Server-decided leaves: removed members, deleted projects, expired logins. */
  readonly revocations: Revocations
  /** Cuts sockets whose unread data passes the limits; paces their replays. */
  readonly slowConsumers: SlowConsumers
  readonly instance: string
  private readonly cluster: ClusterCounter
  private readonly startedAt = Date.now()
  /** Our one disconnect listener per socket (one more would grow each socket's listener array). */
  private readonly onDisconnect = sharedListener((socket, [reason]) => {
    this.tracker.disconnected(socket)
    this.slowConsumers.unwatch(socket)
    this.presence.disconnected(socket)
    this.options.observer?.disconnected?.(socket, String(reason))
  })
  private redis?: { pub: RedisClient; sub: RedisClient }
  /** Whether an adapter joins this instance to others (Redis, or the workers' cluster IPC). */
  private clustered = false
  /** Tells rooms where their streams stand (with an event log only). */
  readonly positioning?: Positioning
  /** Who is in each project room, cluster-wide (presence.ts). */
  readonly presence: Presence

  constructor(private readonly options: RealtimeOptions) {
    this.instance = options.instanceId ?? `${os.hostname()}:${process.pid}`
    this.streams = new ProjectStreams({
      eventLog: options.eventLog,
      broadcast: (room, eventName, payload) => this.io?.to(room).emit(eventName, payload),
      pruneIntervalMs: options.pruneIntervalMs,
      log: options.log,
      observer: options.observer
    })
    this.slowConsumers = new SlowConsumers(options.slowConsumers ?? { maxBytes: 0, maxMs: 0 }, options.log)
    // A resume's replay is paced by its socket's buffer, so it does not cut its own reader.
    const join = joinWithCatchUp(
      (socket, projectId, since, epoch) => this.streams.join(socket, projectId, since, epoch),
      options.eventLog,
      (socket) => this.slowConsumers.pace(socket)
    )
    this.presence = new Presence({
      instance: this.instance,
      graceMs: options.presence?.graceMs ?? 5000,
      intervalMs: options.heartbeatIntervalMs,
      localUserId: options.presence?.localUserId,
      log: options.log
    })
    // A subscribe ack (a resume's too) carries who is in the room, the new socket included.
    const joinWithPresence: JoinProject = async (socket, projectId, since, epoch, presence = true) => {
      const joined = await join(socket, projectId, since, epoch)
      return presence ? { ...joined, presence: this.presence.list(projectId) } : joined
    }
    this.subscriptions = new Subscriptions(options.authorizeSubscription, joinWithPresence, options.observer)
    if (options.eventLog) {
      this.positioning = new Positioning({
        intervalMs: options.positionIntervalMs ?? 10_000,
        eventLog: options.eventLog,
        rooms: () => this.tracker.projectRooms,
        emitLocal: (room, payload) => this.io?.local.to(room).emit(CONTROL_EVENTS.streamPosition, payload),
        log: options.log
      })
    }
    this.cluster = new ClusterCounter(
      () => this.localSnapshot(),
      // The workers' IPC has no connection that can be down; Redis does.
      () => (options.redisUrl ? Boolean(this.redis?.pub.isReady && this.redis?.sub.isReady) : true)
    )
    this.revocations = new Revocations(options.userIdOf)
    this.heartbeat = new Heartbeat({
      intervalMs: options.heartbeatIntervalMs,
      build: () => this.heartbeatEvent(),
      // Each instance beats for its own sockets: io.local skips the adapter's fan-out to others.
      send: (event) => this.io?.local.emit(CONTROL_EVENTS.heartbeat, event),
      onError: (error) => options.log?.(`heartbeat failed: ${String(error)}`)
    })
  }

  /** A Feathers channel for a project's room (see rooms.ts). */
  projectChannel(projectId: number | string, { close = false } = {}) {
    return new RoomChannel(new RoomTarget(projectRoom(projectId), close), this.tracker.socketOf)
  }

  /**
   * The broadcast API: one typed event to everyone subscribed to the project, on every instance.
   * Logged events resolve with their seq once logged and sent; live-only ones (token_usage,
   * test_output) are sent without a seq.
   */
  publish<K extends ProjectEventName>(
    projectId: number,
    type: K,
    // NoInfer: the event name alone decides the payload type.
    payload: NoInfer<ProjectEventInput<K>>
  ): Promise<ProjectEvents[K] & Partial<Sequenced>> {
    const event: ProjectEvents[K] = { ...payload, type, project_id: projectId } as ProjectEvents[K]
    return this.streams.publish(projectId, type, event)
  }

  /**
   * Where the room dispatcher sends a service event. Project rooms: an event the outbox logged with
   * its change goes out with that seq; any other is logged now. Other rooms are not logged.
   */
  sendToRoom(target: RoomTarget, eventName: string, payload: object) {
    const projectId = projectIdOfRoom(target.room)
    const seq = projectId === null ? undefined : this.streams.takeLogged(payload, projectId)
    const sent =
      projectId === null
        ? Promise.resolve(this.io?.to(target.room).emit(eventName, payload))
        : seq !== undefined
          ? this.streams.sendLogged(projectId, eventName, { ...payload, seq })
          : this.streams.publish(projectId, eventName, payload)
    sent
      .then(() => target.closeAfterSend && projectId !== null && this.revocations.closeRoom(projectId))
      .catch((error) => this.options.log?.(`'${eventName}' to ${target.room} failed: ${String(error)}`))
  }

  /** This instance's figures, as the cluster count request answers them. */
  localSnapshot(): InstanceSnapshot {
    return this.tracker.snapshot(this.instance, this.io?.of('/').adapter.rooms)
  }

  /** Whether both Redis connections are up (REDIS_URL); false before connecting and without Redis. */
  get redisReady(): boolean {
    return Boolean(this.redis?.pub.isReady && this.redis?.sub.isReady)
  }

  clusterSnapshot(): Promise<ClusterSnapshot> {
    return this.cluster.snapshot()
  }

  async heartbeatEvent() {
    // Alone, the count is a field read; clustered, one round trip to the other instances.
    if (!this.clustered) return this.localHeartbeat()
    const local = this.tracker.count
    return this.heartbeatOf(await this.clusterSnapshot(), local)
  }

  private firstHeartbeat(socket: Socket, event: HeartbeatEvent) {
    if (socket.connected) emitToNewSocket(socket, CONTROL_EVENTS.heartbeat, event)
  }

  /** The heartbeat of an instance alone: built synchronously. */
  private localHeartbeat() {
    const local = this.tracker.count
    return this.heartbeatOf({ connections: local, instances: 1, complete: true }, local)
  }

  private heartbeatOf(cluster: HeartbeatFigures['cluster'], local: number) {
    return heartbeatPayload({
      cluster,
      instance: this.instance,
      instanceConnections: local,
      rooms: this.tracker.projectRooms.size,
      intervalMs: this.options.heartbeatIntervalMs,
      startedAt: this.startedAt
    })
  }

  /** Called by @feathersjs/socketio once the socket.io server exists: wires it up. */
  bindServer(io: Server) {
    if (this.io === io) return
    this.io = io
    if (this.redis) {
      const { pub, sub } = this.redis
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- with REDIS_URL only (see the imports)
      const { createAdapter } = require('@socket.io/redis-adapter') as typeof import('@socket.io/redis-adapter')
      io.adapter(
        createAdapter(pub, sub, { key: this.options.redisPrefix ?? 'vibecode', requestsTimeout: COUNT_BUDGET_MS })
      )
    } else if (this.options.nodeCluster ?? nodeCluster.isWorker) {
      // WORKERS > 1 without Redis: broadcasts, counts and revocations reach the other workers via the
      // primary. A count waits COUNT_BUDGET_MS (cluster.ts), not this adapter's fixed 5 s.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- with WORKERS > 1 only
      const { createAdapter } = require('@socket.io/cluster-adapter') as typeof import('@socket.io/cluster-adapter')
      io.adapter(createAdapter())
    }
    this.clustered = Boolean(this.redis || (this.options.nodeCluster ?? nodeCluster.isWorker))
    this.cluster.answerRequests(io, this.clustered)
    this.revocations.bind(io, this.clustered)
    this.presence.bind(io, this.clustered)

    const adapter = io.of('/').adapter
    adapter.on('create-room', (room: string) => this.tracker.roomCreated(room))
    adapter.on('delete-room', (room: string) => this.tracker.roomDeleted(room))

    const { handshake } = this.options
    if (handshake) io.use((socket, next) => handshake(socket).then(() => next(), next))
    // Last: the connect acknowledgement and the first heartbeat leave in one write (fast-broadcast.ts).
    io.use(holdWritesThisTurn)

    io.on('connection', (socket) => {
      this.options.onConnection?.(socket)
      this.slowConsumers.watch(socket)
      enableFastBroadcast(socket, this.slowConsumers.fastFrameHooks(socket))
      this.tracker.connected(socket)
      socket.on('disconnect', this.onDisconnect)
      this.subscriptions.listen(socket)
      // A first heartbeat right away, so a debugging client sees the server before the interval
      // (alone, built at once: no promise per connect; clustered, after the cluster count).
      const first = this.clustered ? this.heartbeatEvent() : undefined
      if (!first) this.firstHeartbeat(socket, this.localHeartbeat())
      else
        first.then(
          (event) => this.firstHeartbeat(socket, event),
          () => undefined
        )
    })
  }

  async connectRedis() {
    if (!this.options.redisUrl || this.redis) return
    const { createClient } = await import('redis')
    const pub = createClient({ url: this.options.redisUrl })
    const sub = pub.duplicate()
    // After an outage, broadcasts of other instances may have been lost meanwhile: as soon as both
    // connections are back, every room hears where its stream stands (positioning.ts).
    let outage = false
    for (const client of [pub, sub]) {
      client.on('error', (error) => {
        outage = true
        this.options.log?.(`redis: ${String(error)}`)
      })
      client.on('ready', () => {
        if (!outage || !pub.isReady || !sub.isReady) return
        outage = false
        void this.positioning?.announce()
      })
    }
    await Promise.all([pub.connect(), sub.connect()])
    this.redis = { pub, sub }
  }

  /**
   * Stops the heartbeat and closes every connection, so the HTTP server can close right away.
   * Connections are closed at the transport level, not with a socket.io DISCONNECT packet: a
   * client takes "transport close" as a reason to reconnect (to a restarted or another instance),
   * while a server-sent disconnect would keep it away for good.
   */
  async close() {
    this.heartbeat.stop()
    this.slowConsumers.stop()
    this.streams.stopPruning()
    this.positioning?.stop()
    // Before the sockets go: the other instances hear that this one's entries leave after the grace period.
    this.presence.stop()
    const io = this.io
    if (io) {
      // WebSocket connections and pending long-polling requests alike.
      io.engine.close()
      // Closes the adapter (for Redis: its subscriptions).
      await io.of('/').adapter.close()
    }
    if (this.redis) {
      // QUIT waits for Redis; with Redis away, shutdown must not wait for it: drop the connections.
      const { pub, sub } = this.redis
      this.redis = undefined
      const quit = Promise.all([pub.quit(), sub.quit()]).catch(() => undefined)
      const away = new Promise((resolve) => setTimeout(resolve, 2000).unref())
      if ((await Promise.race([quit.then(() => 'quit'), away])) !== 'quit') {
        await Promise.all([pub.disconnect(), sub.disconnect()]).catch(() => undefined)
      }
    }
  }
}
