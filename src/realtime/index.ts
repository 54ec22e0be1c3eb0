// The realtime plugin: socket.io transport, project rooms as Feathers channels, subscriptions,
// connection tracking, heartbeat, the broadcast API and, with REDIS_URL, the Redis adapter that
// carries room broadcasts and counts across instances.
//
//   app.configure(realtime({ ... }))          // in app.ts
//   app.realtime.projectChannel(id)          // in channels.ts publishers
//   app.realtime.publish(id, 'token_usage', payload)   // producers of typed project events
import os from 'os'
import socketio from '@feathersjs/socketio'
import { createAdapter } from '@socket.io/redis-adapter'
import { createClient } from 'redis'
import type { Server, ServerOptions } from 'socket.io'
import type { Application, NextFunction } from '../declarations'
import { ClusterCounter, type ClusterSnapshot, type InstanceSnapshot } from './cluster'
import { ConnectionTracker } from './connections'
import { createRoomDispatcher } from './dispatch'
import type { HeartbeatEvent, ProjectEventInput, ProjectEventName, ProjectEvents } from './events'
import { CONTROL_EVENTS } from './events'
import { Heartbeat } from './heartbeat'
import { RoomChannel, RoomTarget, projectIdOfRoom, projectRoom } from './rooms'
import { ConnectionsService, SubscriptionService } from './services'
import { Subscriptions, type ProjectExists } from './subscriptions'

export * from './events'
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

  constructor(readonly options: RealtimeOptions) {
    this.instance = options.instanceId ?? `${os.hostname()}:${process.pid}`
    this.subscriptions = new Subscriptions(options.projectExists)
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

  /** The broadcast API: one typed event to everyone subscribed to the project, on every instance. */
  publish<K extends ProjectEventName>(projectId: number, type: K, payload: ProjectEventInput<K>): ProjectEvents[K] {
    const event = { ...payload, type, project_id: projectId } as unknown as ProjectEvents[K]
    this.io?.to(projectRoom(projectId)).emit(type, event)
    return event
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
  app.on('publish', createRoomDispatcher(() => rt.io))

  app.use('subscriptions', new SubscriptionService(rt), { methods: ['find', 'create', 'remove'], events: [] })
  app.use('connections', new ConnectionsService(rt), { methods: ['find'], events: [] })

  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await rt.connectRedis()
        await next()
        rt.heartbeat.start()
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
