// Connection tracking: +1 when a socket connects, -1 when it disconnects, each socket counted once
// whatever its transport (socket.io fires `connection` once per socket, an HTTP long-polling ->
// WebSocket upgrade included). The live count is a field read: O(1) for every heartbeat.
import type { RealTimeConnection } from '@feathersjs/feathers'
import type { Socket } from 'socket.io'
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

  stats(): ConnectionStats {
    return {
      active: this.sockets.size,
      peak: this.peak,
      connectsTotal: this.connectsTotal,
      disconnectsTotal: this.disconnectsTotal
    }
  }
}
