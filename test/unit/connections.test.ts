import assert from 'assert'
import { ConnectionTracker } from '../../src/realtime/connections'

const fakeSocket = (id: string) => ({ id, feathers: { provider: 'socketio' } }) as any

describe('unit: ConnectionTracker', () => {
  it('counts a socket once however often it is reported', () => {
    const tracker = new ConnectionTracker()
    const a = fakeSocket('a')
    assert.strictEqual(tracker.connected(a), true)
    assert.strictEqual(tracker.connected(a), false)
    tracker.connected(fakeSocket('b'))
    assert.strictEqual(tracker.count, 2)
    assert.strictEqual(tracker.disconnected(a), true)
    assert.strictEqual(tracker.disconnected(a), false)
    assert.strictEqual(tracker.count, 1)
    assert.deepStrictEqual(tracker.stats(), { active: 1, peak: 2, connectsTotal: 2, disconnectsTotal: 1 })
  })

  it('finds the socket of a Feathers connection', () => {
    const tracker = new ConnectionTracker()
    const socket = fakeSocket('a')
    tracker.connected(socket)
    assert.strictEqual(tracker.socketOf(socket.feathers), socket)
    assert.strictEqual(tracker.socketOf({} as any), undefined)
  })

  it('keeps only project rooms', () => {
    const tracker = new ConnectionTracker()
    tracker.roomCreated('project:4')
    tracker.roomCreated('Xy12socketid')
    assert.deepStrictEqual([...tracker.projectRooms], ['project:4'])
    tracker.roomDeleted('project:4')
    assert.strictEqual(tracker.projectRooms.size, 0)
  })
})
