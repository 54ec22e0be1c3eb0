// The plugin's two Feathers services:
//  - `subscriptions`: the Feathers-client way to join/leave project rooms (the calling connection's
//    socket joins); over REST there is no socket to join, so it answers 400.
//  - `connections`: `GET /connections`, the live count and the project rooms.
import { BadRequest } from '@feathersjs/errors'
import type { Id, NullableId, Params } from '@feathersjs/feathers'
import type { Socket } from 'socket.io'
import type { SubscriptionOk } from './events'
import type { Realtime } from './index'

export interface ConnectionsReport {
  active_connections: number
  /** project id -> sockets subscribed to it */
  rooms: Record<string, number>
  instance: string
  instances: number
  instance_connections: number
  complete: boolean
  peak_connections: number
  connects_total: number
  disconnects_total: number
}

export class ConnectionsService {
  constructor(private readonly realtime: Realtime) {}

  async find(_params?: Params): Promise<ConnectionsReport> {
    const cluster = await this.realtime.clusterSnapshot()
    const local = this.realtime.tracker.stats()
    return {
      active_connections: cluster.connections,
      rooms: cluster.rooms,
      instance: this.realtime.instance,
      instances: cluster.instances,
      instance_connections: local.active,
      complete: cluster.complete,
      peak_connections: local.peak,
      connects_total: local.connectsTotal,
      disconnects_total: local.disconnectsTotal
    }
  }
}

export class SubscriptionService {
  constructor(private readonly realtime: Realtime) {}

  private socketOf(params?: Params): Socket {
    const socket = params?.connection ? this.realtime.tracker.socketOf(params.connection) : undefined
    if (!socket) {
      throw new BadRequest('subscriptions belong to a socket.io connection; call this service over socket.io, not REST')
    }
    return socket
  }

  async find(params?: Params) {
    return this.realtime.subscriptions.list(this.socketOf(params))
  }

  async create(data: unknown, params?: Params): Promise<SubscriptionOk> {
    return this.realtime.subscriptions.subscribe(this.socketOf(params), data)
  }

  /** `remove(projectId)` leaves one project room; `remove(null)` leaves them all. */
  async remove(id: NullableId, params?: Params): Promise<SubscriptionOk | SubscriptionOk[]> {
    const socket = this.socketOf(params)
    if (id === null) {
      return this.realtime.subscriptions
        .list(socket)
        .map(({ project_id }) => this.realtime.subscriptions.unsubscribe(socket, { project_id }))
    }
    return this.realtime.subscriptions.unsubscribe(socket, { project_id: id as Id })
  }
}
