// Connection tracking: +1 when a socket connects, -1 when it disconnects, each socket counted once
// whatever its transport (socket.io fires `connection` once per socket, an HTTP long-polling ->
// WebSocket upgrade included). The live count is a field read: O(1) for every heartbeat.
import type { RealTimeConnection } from '@feathersjs/feathers'
import type { Socket } from 'socket.io'
import type { InstanceSnapshot } from './cluster'
import { projectIdOfRoom } from './rooms'

export interface ConnectionStats {
  active: number
  peak: number
  connectsTotal: number
  disconnectsTotal: number
}

export class ConnectionTracker {
  private readonly sockets = new Set<string>()
  private peak = 0
  private connectsTotal = 0
  private disconnectsTotal = 0
  /** Feathers connection object (`params.connection`) -> its socket. */
  private readonly socketsByConnection = new WeakMap<object, Socket>()

  /** Project rooms that exist on this instance, kept from the adapter's create/delete events. */
  readonly projectRooms = new Set<string>()

  get count() {
    return this.sockets.size
  }

  connected(socket: Socket): boolean {
    if (this.sockets.has(socket.id)) return false
    this.sockets.add(socket.id)
    this.connectsTotal++
    this.peak = Math.max(this.peak, this.sockets.size)
    const connection = (socket as Socket & { feathers?: object }).feathers
    if (connection) this.socketsByConnection.set(connection, socket)
    return true
  }

  disconnected(socket: Socket): boolean {
    if (!this.sockets.delete(socket.id)) return false
    this.disconnectsTotal++
    return true
  }

  socketOf = (connection: RealTimeConnection): Socket | undefined =>
    connection && typeof connection === 'object' ? this.socketsByConnection.get(connection) : undefined

  roomCreated(room: string) {
    if (projectIdOfRoom(room) !== null) this.projectRooms.add(room)
  }

  roomDeleted(room: string) {
    this.projectRooms.delete(room)
  }

  /** This instance's figures, as the cluster count request answers them: members per project room. */
  snapshot(instance: string, adapterRooms?: Map<string, Set<string>>): InstanceSnapshot {
    const rooms: Record<string, number> = {}
    for (const room of this.projectRooms) {
      const size = adapterRooms?.get(room)?.size ?? 0
      if (size > 0) rooms[String(projectIdOfRoom(room))] = size
    }
    return { instance, connections: this.count, rooms }
  }

  stats(): ConnectionStats {
    return {
      active: this.sockets.size,
      peak: this.peak,
      connectsTotal: this.connectsTotal,
      disconnectsTotal: this.disconnectsTotal
    }
  }
}
