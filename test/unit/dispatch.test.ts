// The room dispatcher against a recording stand-in for socket.io's server (the real one is
// exercised by the integration tests).
import assert from 'assert'
import { Channel, CombinedChannel } from '@feathersjs/transport-commons'
import { createRoomDispatcher } from '../../src/realtime/dispatch'
import { RoomChannel, RoomTarget } from '../../src/realtime/rooms'

function recordingServer() {
  const calls: { rooms: string[]; event: string; payload: unknown }[] = []
  const left: string[] = []
  const io = {
    to: (rooms: string[]) => ({ emit: (event: string, payload: unknown) => calls.push({ rooms, event, payload }) }),
    in: (room: string) => ({ socketsLeave: () => left.push(room) })
  }
  return { io: io as any, calls, left }
}

const room = (name: string, close = false) => new RoomChannel(new RoomTarget(name, close), () => undefined)

describe('unit: room dispatcher', () => {
  it('sends one broadcast for all rooms that get the same payload', () => {
    const { io, calls } = recordingServer()
    const dispatch = createRoomDispatcher(() => io)
    const context = { path: 'messages', result: { id: 1 } } as any
    dispatch('created', new CombinedChannel([room('project:1'), room('project:2')]), context, { id: 1 })
    assert.deepStrictEqual(calls, [{ rooms: ['project:1', 'project:2'], event: 'messages created', payload: { id: 1 } }])
  })

  it('prefers channel.send() data, then context.dispatch, then context.result', () => {
    const { io, calls } = recordingServer()
    const dispatch = createRoomDispatcher(() => io)
    const context = { path: 'p', result: { id: 1, secret: true }, dispatch: { id: 1 } } as any
    dispatch('patched', new CombinedChannel([room('a').send({ id: 1, custom: true }), room('b')]), context, {})
    assert.deepStrictEqual(
      calls.map((c) => [c.rooms, c.payload]),
      [
        [['a'], { id: 1, custom: true }],
        [['b'], { id: 1 }]
      ]
    )
  })

  it('picks the record of a multi-create from the array result', () => {
    const { io, calls } = recordingServer()
    const dispatch = createRoomDispatcher(() => io)
    const context = { path: 'p', result: [{ id: 1 }, { id: 2 }] } as any
    dispatch('created', new CombinedChannel([room('a')]), context, { id: 2 })
    assert.deepStrictEqual(calls[0].payload, { id: 2 })
  })

  it('ignores ordinary connections and empties closing rooms after sending', () => {
    const { io, calls, left } = recordingServer()
    const dispatch = createRoomDispatcher(() => io)
    const ordinary = new Channel([{ some: 'connection' } as any])
    dispatch('removed', new CombinedChannel([ordinary, room('project:9', true)]), { path: 'projects', result: {} } as any, {})
    assert.deepStrictEqual(calls.map((c) => c.rooms), [['project:9']])
    assert.deepStrictEqual(left, ['project:9'])
  })

  it('does nothing before socket.io exists', () => {
    const dispatch = createRoomDispatcher(() => undefined)
    dispatch('created', new CombinedChannel([room('a')]), { path: 'p', result: {} } as any, {})
  })
})
