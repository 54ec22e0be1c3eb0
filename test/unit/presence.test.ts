// The presence modules on their own: the cluster-wide view (parts of instances merged; a join only
// for the first part, a leave only for the last; an instance's holding replaced or dropped as
// differences) and this instance's part (tabs counted once; the grace period of a lost connection).
import assert from 'assert'
import { LocalPresence } from '../../src/realtime/presence-local'
import { PresenceView, type PresenceChange } from '../../src/realtime/presence-view'
import { connectionIdentity, userIdentity } from '../../src/realtime/presence'
import type { PresenceEntry } from '../../src/realtime'

const ada = userIdentity({ id: 1, email: 'ada@example.test' })
const bob = userIdentity({ id: 2, email: null })
const part = (identity = ada, connections = 1, since = '2026-11-30T00:00:00.000Z'): PresenceEntry => ({
  ...identity,
  connections,
  since
})
const kinds = (changes: (PresenceChange | undefined)[]) =>
  changes.map((change) => (change ? `${change.kind} ${change.entry.key} ${change.entry.connections}` : 'none'))

describe('presence view (unit)', () => {
  it('merges the parts of instances: one join, counts added, the earliest since, one leave', () => {
    const view = new PresenceView()
    const changes = [
      view.set('a', 7, ada.key, part(ada, 1, '2026-11-30T00:00:02.000Z')),
      view.set('b', 7, ada.key, part(ada, 2, '2026-11-30T00:00:01.000Z')),
      view.set('b', 7, ada.key, part(ada, 2, '2026-11-30T00:00:01.000Z')),
      view.set('a', 7, ada.key, null),
      view.set('a', 7, ada.key, null),
      view.set('b', 7, ada.key, null)
    ]
    assert.deepStrictEqual(kinds(changes), [
      'join user:1 1',
      'update user:1 3',
      'none',
      'update user:1 2',
      'none',
      'leave user:1 2'
    ])
    assert.strictEqual(changes[1]!.entry.since, '2026-11-30T00:00:01.000Z')
    assert.deepStrictEqual(view.list(7), [])
    assert.deepStrictEqual(view.knownInstances(), [])
  })

  it('keeps projects apart', () => {
    const view = new PresenceView()
    view.set('a', 1, ada.key, part(ada))
    view.set('a', 2, bob.key, part(bob))
    assert.deepStrictEqual(
      view.list(1).map((entry) => entry.key),
      [ada.key]
    )
    assert.deepStrictEqual(
      view.list(2).map((entry) => entry.key),
      [bob.key]
    )
  })

  it("replaces an instance's holding with the differences only, and drops a dead instance's entries", () => {
    const view = new PresenceView()
    view.set('a', 1, ada.key, part(ada))
    view.set('b', 1, ada.key, part(ada))
    view.set('b', 1, bob.key, part(bob))
    // B's announcement: Bob gone, Ada with two sockets, someone new in project 2.
    const carol = userIdentity({ id: 3, email: 'carol@example.test' })
    const replaced = view.replace('b', { 1: [part(ada, 2)], 2: [part(carol)] })
    assert.deepStrictEqual(kinds(replaced).sort(), ['join user:3 1', 'leave user:2 1', 'update user:1 3'])
    assert.deepStrictEqual(kinds(view.drop('b')).sort(), ['leave user:3 1', 'update user:1 1'])
    assert.deepStrictEqual(
      view.list(1).map((entry) => [entry.key, entry.connections]),
      [[ada.key, 1]]
    )
    assert.deepStrictEqual(view.replace('b', { x: [part(carol)], 3: 'not a list' } as never), [])
  })
})

describe('local presence (unit)', () => {
  const recorder = () => {
    const changes: string[] = []
    const record = (projectId: number, key: string, entry: PresenceEntry | null) =>
      changes.push(`${projectId} ${key} ${entry ? entry.connections : 'gone'}`)
    return { changes, record }
  }

  it('counts the tabs of a user once, and leaves when the last one does', () => {
    const { changes, record } = recorder()
    const local = new LocalPresence(0, record)
    local.joined(1, 's1', ada)
    local.joined(1, 's1', ada)
    local.joined(1, 's2', ada)
    local.left(1, 's1', false)
    local.left(1, 's1', false)
    local.left(1, 's2', true)
    assert.deepStrictEqual(changes, ['1 user:1 1', '1 user:1 2', '1 user:1 1', '1 user:1 gone'])
    assert.deepStrictEqual(local.holding(), {})
  })

  it('holds an entry whose last socket disconnected for the grace period; a new socket takes its place', async () => {
    const { changes, record } = recorder()
    const local = new LocalPresence(50, record)
    local.joined(1, 's1', ada)
    local.left(1, 's1', true)
    assert.deepStrictEqual(local.holding()[1], [{ ...part(ada), since: local.holding()[1][0].since }])
    local.joined(1, 's2', ada)
    assert.deepStrictEqual(changes, ['1 user:1 1', '1 user:1 1'], 'no leave, the count stays 1')
    local.left(1, 's2', true)
    await new Promise((resolve) => setTimeout(resolve, 120))
    assert.deepStrictEqual(changes, ['1 user:1 1', '1 user:1 1', '1 user:1 gone'])
  })

  it('a socket of its own entry (AUTH=off) leaves with it; stop() ends the grace periods without a leave', () => {
    const { changes, record } = recorder()
    const local = new LocalPresence(10_000, record)
    const one = connectionIdentity('s1')
    local.joined(1, 's1', one)
    local.left(1, 's1', false)
    local.joined(2, 's2', bob)
    local.left(2, 's2', true)
    local.stop()
    assert.deepStrictEqual(changes, ['1 conn:s1 1', '1 conn:s1 gone', '2 user:2 1'])
    assert.strictEqual(one.name, 'local')
    assert.strictEqual(bob.name, 'user 2', 'a user without an email is named by id')
  })
})
