// Project rooms as Feathers channels.
//
// Feathers' stock channels hold a list of connections and its dispatcher emits to each of them:
// one JSON encode per connection per event, and only the connections of this process. A RoomChannel
// instead stands for a socket.io room. Its only "connection" is a RoomTarget marker; the stock
// dispatcher finds no socket for the marker and skips it, and our dispatcher (dispatch.ts) turns
// it into one `io.to(room).emit(...)`: one encode, fanned out by the socket.io adapter - on every
// instance when the adapter is the Redis one.
import { Channel } from '@feathersjs/transport-commons'
import type { RealTimeConnection } from '@feathersjs/feathers'
import type { Socket } from 'socket.io'

const PROJECT_PREFIX = 'project:'

export const projectRoom = (projectId: number | string) => `${PROJECT_PREFIX}${projectId}`

/**
 * The sockets of a project that asked for no presence (`subscribe` with `presence: false`): the
 * presence events go to the project room except this one. Not a project room (no `project:` prefix).
 */
export const quietRoom = (projectId: number | string) => `presence-off:${projectId}`

/** The project id of a room name, or null for rooms that are not project rooms. */
export function projectIdOfRoom(room: string): number | null {
  if (!room.startsWith(PROJECT_PREFIX)) return null
  const id = Number(room.slice(PROJECT_PREFIX.length))
  return Number.isSafeInteger(id) ? id : null
}

/** Stands in a channel's connection list for every socket in a room. */
export class RoomTarget {
  constructor(
    readonly room: string,
    /** Empty the room once this event has been sent (its project is gone). */
    readonly closeAfterSend = false
  ) {}
}

export type SocketLookup = (connection: RealTimeConnection) => Socket | undefined

export class RoomChannel extends Channel {
  constructor(
    readonly target: RoomTarget,
    private readonly socketOf: SocketLookup
  ) {
    super([target as unknown as RealTimeConnection])
  }

  get room() {
    return this.target.room
  }

  /** Joining a room channel joins the connection's socket to the socket.io room. */
  join(...connections: RealTimeConnection[]) {
    for (const connection of connections) this.socketOf(connection)?.join(this.room)
    return this
  }

  leave(...connections: RealTimeConnection[]) {
    for (const connection of connections) {
      if (typeof connection !== 'function') this.socketOf(connection)?.leave(this.room)
    }
    return this
  }
}
