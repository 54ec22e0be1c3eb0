// The room dispatcher: which payload goes to which rooms, from what Feathers hands it (the real
// sending, Realtime.sendToRoom, is exercised by the integration tests).
import assert from 'assert'
import { Channel, CombinedChannel } from '@feathersjs/transport-commons'
import { createRoomDispatcher } from '../../src/realtime/dispatch'
import type { RoomTarget } from '../../src/realtime/rooms'
import { RoomChannel, RoomTarget as Target } from '../../src/realtime/rooms'

function recordingSender() {
  const calls: { room: string; event: string; payload: unknown; close: boolean }[] = []
  const send = (target: RoomTarget, event: string, payload: unknown) =>
    calls.push({ room: target.room, event, payload, close: target.closeAfterSend })
  return { send, calls }
}

const room = (name: string, close = false) => new RoomChannel(new Target(name, close), () => undefined)

describe('unit: room dispatcher', () => {
  it('hands each room of the channels its own send, named `<path> <event>`', () => {
    const { send, calls } = recordingSender()
    const dispatch = createRoomDispatcher(send)
    const context = { path: 'messages', result: { id: 1 } } as any
    dispatch('created', new CombinedChannel([room('project:1'), room('project:2')]), context, { id: 1 })
    assert.deepStrictEqual(calls, [
      { room: 'project:1', event: 'messages created', payload: { id: 1 }, close: false },
      { room: 'project:2', event: 'messages created', payload: { id: 1 }, close: false }
    ])
  })

  it('prefers channel.send() data, then context.dispatch, then context.result', () => {
    const { send, calls } = recordingSender()
    const dispatch = createRoomDispatcher(send)
    const context = { path: 'p', result: { id: 1, secret: true }, dispatch: { id: 1 } } as any
    dispatch('patched', new CombinedChannel([room('a').send({ id: 1, custom: true }), room('b')]), context, {})
    assert.deepStrictEqual(
      calls.map((c) => [c.room, c.payload]),
      [
        ['a', { id: 1, custom: true }],
        ['b', { id: 1 }]
      ]
    )
  })

  it('picks the record of a multi-create from the array result', () => {
    const { send, calls } = recordingSender()
    const dispatch = createRoomDispatcher(send)
    const context = { path: 'p', result: [{ id: 1 }, { id: 2 }] } as any
    dispatch('created', new CombinedChannel([room('a')]), context, { id: 2 })
    assert.deepStrictEqual(calls[0].payload, { id: 2 })
  })

  it('ignores ordinary connections and passes the close flag on', () => {
    const { send, calls } = recordingSender()
    const dispatch = createRoomDispatcher(send)
    const ordinary = new Channel([{ some: 'connection' } as any])
    dispatch(
      'removed',
      new CombinedChannel([ordinary, room('project:9', true)]),
      { path: 'projects', result: {} } as any,
      {}
    )
    assert.deepStrictEqual(
      calls.map((c) => [c.room, c.close]),
      [['project:9', true]]
    )
  })
})
