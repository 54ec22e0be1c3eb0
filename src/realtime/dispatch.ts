// The dispatcher for room channels: listens to Feathers' `publish` app event (fired once per
// service event with the channels its publisher returned) and sends the event to each room with a
// single socket.io broadcast. Real connections in the same channel are left to Feathers' own
// dispatcher, which runs beside this one and skips our RoomTarget markers. What "send" means
// (log and number the event, then one broadcast) is Realtime.sendToRooms.
import type { CombinedChannel } from '@feathersjs/transport-commons'
import type { HookContext } from '@feathersjs/feathers'
import { RoomTarget } from './rooms'

/** Sends one payload to the rooms of some targets (Realtime.sendToRooms). */
export type RoomSender = (targets: RoomTarget[], eventName: string, payload: unknown) => void

/** The payload Feathers would send: data set by `channel.send(data)`, else the (external) result. */
function payloadFor(channel: CombinedChannel, target: RoomTarget, context: HookContext, data: any) {
  const result = channel.dataFor(target as any) || context.dispatch || context.result
  // A multi-create emits one event per record while the result holds them all: pick this one.
  if (Array.isArray(result) && !Array.isArray(data)) {
    return result.find((item) => item?.id !== undefined && item.id === data?.id) ?? data
  }
  return result
}

export function createRoomDispatcher(send: RoomSender) {
  return function dispatchToRooms(event: string, channel: CombinedChannel, context: HookContext, data: any) {
    const eventName = `${context.path || ''} ${event}`.trim()

    // Targets that get the same payload are handed over together (each project's copy is still
    // numbered in its own log by the sender).
    const byPayload = new Map<unknown, RoomTarget[]>()
    for (const connection of channel.connections as unknown[]) {
      if (!(connection instanceof RoomTarget)) continue
      const payload = payloadFor(channel, connection, context, data)
      const targets = byPayload.get(payload)
      if (targets) targets.push(connection)
      else byPayload.set(payload, [connection])
    }

    for (const [payload, targets] of byPayload) send(targets, eventName, payload)
  }
}
