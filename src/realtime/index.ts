// The realtime plugin: socket.io transport, project rooms as Feathers channels, subscriptions,
// connection tracking, heartbeat, the broadcast API and, with REDIS_URL, the Redis adapter that
// carries room broadcasts and counts across instances.
//
//   app.configure(realtime({ ... }))          // in app.ts
//   app.realtime.projectChannel(id)          // in channels.ts publishers
//   await app.realtime.publish(id, 'vibecode_response', payload)   // producers of typed events
import os from 'os'
import socketio from '@feathersjs/socketio'
import { createAdapter } from '@socket.io/redis-adapter'
import { createClient } from 'redis'
import type { Server, ServerOptions } from 'socket.io'
import type { Application, NextFunction } from '../declarations'
import { ClusterCounter, type ClusterSnapshot, type InstanceSnapshot } from './cluster'
import { GeneralError } from '@feathersjs/errors'
import type { Socket } from 'socket.io'
import { ConnectionTracker } from './connections'
import { createRoomDispatcher } from './dispatch'
import type { EventLog } from './event-log'
import type { HeartbeatEvent, ProjectEventInput, ProjectEventName, ProjectEvents, Sequenced } from './events'
import { CONTROL_EVENTS, VOLATILE_EVENTS } from './events'
import { Heartbeat } from './heartbeat'
import { KeyedQueue } from './keyed-queue'
import { RoomChannel, RoomTarget, projectIdOfRoom, projectRoom } from './rooms'
import { ConnectionsService, SubscriptionService } from './services'
import { Subscriptions, type JoinResult, type ProjectExists } from './subscriptions'

export * from './events'
export { KnexEventLog, type EventLog } from './event-log'
export { RoomChannel, RoomTarget, projectRoom, projectIdOfRoom } from './rooms'

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface Application<Services, Settings> {
    realtime: Realtime
  }
}

declare module '../declarations' {
  interface ServiceTypes {
    subscriptions: SubscriptionService
    connections: ConnectionsService
  }
}

export interface RealtimeOptions {
  heartbeatIntervalMs: number
  /** Allowed CORS origins for the socket.io handshake; "*" allows any. */
  origins: string[]
  /** Rejects when a project does not exist (NotFound). */
  projectExists: ProjectExists
  /** Where project events are numbered and kept for resume; without one, events carry no seq. */
  eventLog?: EventLog
  /** How often the event log is pruned (retention and cap live in the log). */
  pruneIntervalMs?: number
  instanceId?: string
  redisUrl?: string
  redisPrefix?: string
  /** Extra socket.io server options. */
  socketOptions?: Partial<ServerOptions>
  log?: (message: string) => void
}

type RedisClient = ReturnType<typeof createClient>

export class Realtime {
  io?: Server
  readonly tracker = new ConnectionTracker()
  readonly subscriptions: Subscriptions
  readonly heartbeat: Heartbeat
  readonly instance: string
  private readonly cluster: ClusterCounter
  private readonly startedAt = Date.now()
  private redis?: { pub: RedisClient; sub: RedisClient }
  /** One lane per project: seq order = log order = wire order; replays are not overtaken. */
  private readonly lanes = new KeyedQueue<number>()
  private pruneTimer?: NodeJS.Timeout

  constructor(readonly options: RealtimeOptions) {
    this.instance = options.instanceId ?? `${os.hostname()}:${process.pid}`
    this.subscriptions = new Subscriptions(options.projectExists, (socket, projectId, since) =>
      this.joinProject(socket, projectId, since)
    )
    this.cluster = new ClusterCounter(() => this.localSnapshot())
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
   * Logged events resolve with their seq once logged and sent; volatile ones (token_usage,
   * test_output) are sent at once, without a seq.
   */
  publish<K extends ProjectEventName>(
    projectId: number,
    type: K,
    // NoInfer: the event name alone decides the payload type.
    payload: NoInfer<ProjectEventInput<K>>
  ): Promise<ProjectEvents[K] & Partial<Sequenced>> {
    const event = { ...payload, type, project_id: projectId } as unknown as ProjectEvents[K]
    return this.deliver(projectId, type, event)
  }

  /** Where the room dispatcher sends service events: project rooms are logged, others are not. */
  sendToRooms(targets: RoomTarget[], eventName: string, payload: unknown) {
    for (const target of targets) {
      const projectId = projectIdOfRoom(target.room)
      const sent =
        projectId === null
          ? Promise.resolve(this.io?.to(target.room).emit(eventName, payload))
          : this.deliver(projectId, eventName, payload)
      sent
        .then(() => target.closeAfterSend && this.io?.in(target.room).socketsLeave(target.room))
        .catch((error) => this.options.log?.(`'${eventName}' to ${target.room} failed: ${String(error)}`))
    }
  }

  /**
   * Numbers, logs and broadcasts one project event: one encode, one adapter broadcast. An event
   * that cannot be logged is not sent (every seq a client sees can be replayed). Volatile events
   * are not logged, but go through the same lane, so they keep their place among the logged ones
   * (no test_output before its test_started).
   */
  deliver<T>(projectId: number, eventName: string, payload: T): Promise<T & Partial<Sequenced>> {
    const room = projectRoom(projectId)
    const log = this.options.eventLog
    if (!log) {
      this.io?.to(room).emit(eventName, payload)
      return Promise.resolve(payload as T & Partial<Sequenced>)
    }
    return this.lanes.run(projectId, async () => {
      if (VOLATILE_EVENTS.has(eventName)) {
        this.io?.to(room).emit(eventName, payload)
        return payload as T & Partial<Sequenced>
      }
      const seq = await log.append(projectId, eventName, payload)
      const sequenced = { ...payload, seq }
      this.io?.to(room).emit(eventName, sequenced)
      return sequenced
    })
  }

  /**
   * Joins a socket to a project room. With `since`, first replays every logged event after it to
   * this socket, in order. It runs in the project's lane, so no event of this instance can slip
   * between the replay and the live stream; the socket joins before the replay is read, so an event
   * another instance publishes meanwhile is not lost either (it may arrive twice - the typed client
   * drops duplicates by seq).
   */
  async joinProject(socket: Socket, projectId: number, since: number | undefined): Promise<JoinResult> {
    const log = this.options.eventLog
    return this.lanes.run(projectId, async () => {
      // The project lookup was asynchronous: a socket that left meanwhile must not re-enter a room
      // (the adapter would keep an entry for a socket that no longer exists).
      if (!socket.connected) throw new GeneralError('The socket disconnected before the subscription completed')
      socket.join(projectRoom(projectId))
      if (!log) return {}
      const { latest, pruned } = await log.state(projectId)
      if (since === undefined) return { seq: latest }
      if (since < pruned || since > latest) return { seq: latest, recovered: false, replayed: 0 }
      let replayed = 0
      for (let after = since; after < latest; ) {
        const page = await log.read(projectId, after, 500)
        if (page.length === 0) break
        for (const entry of page) {
          if (entry.seq > latest) break
          socket.emit(entry.event, { ...entry.payload, seq: entry.seq })
          replayed++
        }
        after = page[page.length - 1].seq
      }
      return { seq: latest, recovered: true, replayed }
    })
  }

  /** Starts the background pruning of the event log. */
  startPruning() {
    const log = this.options.eventLog
    if (!log || this.pruneTimer) return
    const prune = () => log.prune().catch((error) => this.options.log?.(`event log pruning failed: ${String(error)}`))
    void prune()
    this.pruneTimer = setInterval(prune, this.options.pruneIntervalMs ?? 60_000)
    this.pruneTimer.unref()
  }

  localSnapshot(): InstanceSnapshot {
    const rooms: Record<string, number> = {}
    const adapterRooms = this.io?.of('/').adapter.rooms
    for (const room of this.tracker.projectRooms) {
      const size = adapterRooms?.get(room)?.size ?? 0
      if (size > 0) rooms[String(projectIdOfRoom(room))] = size
    }
    return { instance: this.instance, connections: this.tracker.count, rooms }
  }

  clusterSnapshot(): Promise<ClusterSnapshot> {
    return this.cluster.snapshot(this.io)
  }

  async heartbeatEvent(): Promise<HeartbeatEvent> {
    const local = this.tracker.count
    // Alone, the count is a field read; clustered, one round trip to the other instances.
    const cluster = this.redis ? await this.clusterSnapshot() : { connections: local, instances: 1 }
    return {
      type: 'heartbeat',
      connections: cluster.connections,
      timestamp: new Date().toISOString(),
      instance: this.instance,
      instance_connections: local,
      instances: cluster.instances,
      rooms: this.tracker.projectRooms.size,
      interval_ms: this.options.heartbeatIntervalMs,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000)
    }
  }

  /** Called by @feathersjs/socketio once the socket.io server exists. */
  attach(io: Server) {
    if (this.io === io) return
    this.io = io
    if (this.redis) io.adapter(
        createAdapter(this.redis.pub, this.redis.sub, { key: this.options.redisPrefix ?? 'vibecode', requestsTimeout: 1000 })
      )
    this.cluster.attach(io, Boolean(this.redis))

    const adapter = io.of('/').adapter
    adapter.on('create-room', (room: string) => this.tracker.roomCreated(room))
    adapter.on('delete-room', (room: string) => this.tracker.roomDeleted(room))

    io.on('connection', (socket) => {
      this.tracker.connected(socket)
      socket.on('disconnect', () => this.tracker.disconnected(socket))
      this.subscriptions.attach(socket)
      // A first heartbeat right away, so a debugging client sees the server before the interval.
      this.heartbeatEvent().then(
        (event) => socket.connected && socket.emit(CONTROL_EVENTS.heartbeat, event),
        () => undefined
      )
    })
  }

  async connectRedis() {
    if (!this.options.redisUrl || this.redis) return
    const pub = createClient({ url: this.options.redisUrl })
    const sub = pub.duplicate()
    for (const client of [pub, sub]) client.on('error', (error) => this.options.log?.(`redis: ${String(error)}`))
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
    clearInterval(this.pruneTimer)
    this.pruneTimer = undefined
    const io = this.io
    if (io) {
      // WebSocket connections and pending long-polling requests alike.
      io.engine.close()
      // Closes the adapter (for Redis: its subscriptions).
      await io.of('/').adapter.close()
    }
    if (this.redis) {
      await Promise.all([this.redis.pub.quit(), this.redis.sub.quit()]).catch(() => undefined)
      this.redis = undefined
    }
  }
}

function corsOrigin(origins: string[]) {
  return origins.includes('*') ? true : origins
}

export const realtime = (options: RealtimeOptions) => (app: Application) => {
  const rt = new Realtime(options)
  app.realtime = rt

  app.configure(
    socketio(
      { cors: { origin: corsOrigin(options.origins) }, ...options.socketOptions },
      (io: Server) => rt.attach(io)
    )
  )
  // Room channels are sent here; Feathers' own dispatcher still handles ordinary channels.
  app.on('publish', createRoomDispatcher((targets, eventName, payload) => rt.sendToRooms(targets, eventName, payload)))

  app.use('subscriptions', new SubscriptionService(rt), { methods: ['find', 'create', 'remove'], events: [] })
  app.use('connections', new ConnectionsService(rt), { methods: ['find'], events: [] })

  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await rt.connectRedis()
        await next()
        rt.heartbeat.start()
        rt.startPruning()
      }
    ],
    teardown: [
      async (_context: unknown, next: NextFunction) => {
        // Stock Feathers closes the HTTP server while sockets are still open and waits for them
        // forever; dropping them first lets teardown resolve with clients connected.
        await rt.close()
        await next()
      }
    ]
  })
}
