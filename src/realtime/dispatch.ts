// The dispatcher for room channels: listens to Feathers' `publish` app event (fired once per
// service event with the channels its publisher returned) and hands each room its payload, for a
// single socket.io broadcast per room. Real connections in the same channel are left to Feathers'
// own dispatcher, which runs beside this one and skips our RoomTarget markers. What "send" means
// (number and log the event in its project's stream, then one broadcast) is Realtime.sendToRoom.
import type { CombinedChannel } from '@feathersjs/transport-commons'
import type { HookContext } from '@feathersjs/feathers'
import { RoomTarget } from './rooms'

/** Sends one payload to one room (Realtime.sendToRoom). */
export type RoomSender = (target: RoomTarget, eventName: string, payload: object) => void

interface Identified {
  id?: unknown
}

/** The payload Feathers would send: data set by `channel.send(data)`, else the (external) result. */
function payloadFor(channel: CombinedChannel, target: RoomTarget, context: HookContext, data: Identified | undefined) {
  // The marker stands where Feathers expects a connection (see rooms.ts).
  const result: unknown = channel.dataFor(target as never) || context.dispatch || context.result
  // A multi-create emits one event per record while the result holds them all: pick this one.
  if (Array.isArray(result) && !Array.isArray(data)) {
    return result.find((item: Identified) => item?.id !== undefined && item.id === data?.id) ?? data
  }
  return result
}

export function createRoomDispatcher(send: RoomSender) {
  return function dispatchToRooms(event: string, channel: CombinedChannel, context: HookContext, data: Identified) {
    const eventName = `${context.path || ''} ${event}`.trim()
    for (const connection of channel.connections as unknown[]) {
      if (!(connection instanceof RoomTarget)) continue
      const payload = payloadFor(channel, connection, context, data)
      // Service events carry records; there is nothing to number or send without one.
      if (typeof payload === 'object' && payload !== null) send(connection, eventName, payload)
    }
  }
}
