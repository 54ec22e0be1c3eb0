// Presence across instances (issue 12): two instances on Redis and PostgreSQL, A in this process
// and B in a process of its own (so it can be SIGKILLed: no goodbye, no closed sockets, nothing
// said to A). A user on each: both see both within one heartbeat, and every instance answers the
// same list; a user with a tab on each instance is one entry; B killed, its user leaves A's
// presence within two heartbeat intervals (counted in A's heartbeats, not in milliseconds).
import assert from 'assert'
import type { ChildProcess } from 'child_process'
import { io as connect, type Socket } from 'socket.io-client'
import type { Configuration } from '../../src/declarations'
import type { PresenceEntry } from '../../src/realtime'
import { bearer, connected, newUser, recordEvents, until } from '../helpers'
import type { TestServer } from '../helpers'
import { startTestServer } from '../helpers'
import { serverProcess } from '../server-process'
import { databaseUrl, redisUrl, requireClusterServices } from './pair'

const HEARTBEAT_MS = 1000

type User = Awaited<ReturnType<typeof newUser>>
type Recorded = ReturnType<typeof recordEvents>

const keys = (list: PresenceEntry[]) => list.map((entry) => `${entry.key}×${entry.connections}`).sort()

/** Who a socket sees in the project: its last ack's list, then the joins and leaves after it. */
function seen(events: Recorded, ack: PresenceEntry[]) {
  const present = new Set(ack.map((entry) => entry.key))
  for (const { event, payload } of events) {
    if (event === 'presence_join') present.add(payload.user.key)
    if (event === 'presence_leave') present.delete(payload.user.key)
  }
  return present
}

/** Heartbeats the socket received before the first event matching `found`. */
function heartbeatsBefore(events: Recorded, found: (entry: { event: string; payload: any }) => boolean) {
  const index = events.findIndex(found)
  assert.ok(index >= 0, 'the event arrived')
  return events.slice(0, index).filter((entry) => entry.event === 'heartbeat').length
}

describe('cluster over Redis: presence', function () {
  this.timeout(60_000)
  let a: TestServer
  let b: { child: ChildProcess; url: string }
  let alice: User
  let bob: User
  let projectId: number
  const sockets: Socket[] = []

  const socketOn = async (url: string, user: User) => {
    const socket = connect(url, { transports: ['websocket'], forceNew: true, auth: { token: user.token } })
    sockets.push(socket)
    return connected(socket)
  }
  const subscribe = async (socket: Socket): Promise<PresenceEntry[]> => {
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId })
    assert.strictEqual(ack.ok, true, JSON.stringify(ack))
    return ack.presence
  }

  before(async function () {
    requireClusterServices()
    const settings: Partial<Configuration> = {
      auth: 'required',
      authSecret: 'a-cluster-presence-secret-0123456789abcdef',
      rateLimits: 'off',
      database: databaseUrl,
      redisUrl,
      redisPrefix: `vibecode-test-presence-${process.pid}-${Date.now()}`,
      heartbeatIntervalMs: HEARTBEAT_MS,
      presenceGraceMs: 300
    }
    a = await startTestServer({ ...settings, instanceId: 'a' })
    const spawned = serverProcess({ ...settings, instanceId: 'b', host: '127.0.0.1', port: 0 })
    b = { child: spawned.child, url: `http://127.0.0.1:${await spawned.port}` }
    ;[alice, bob] = await Promise.all([newUser(a, 'presence-alice'), newUser(a, 'presence-bob')])
    const created = await a.http.post('/projects', { name: 'presence across instances' }, bearer(alice.token))
    projectId = created.data.id
    await a.http.post(`/projects/${projectId}/members`, { user_id: bob.user.id, role: 'viewer' }, bearer(alice.token))
  })

  after(async () => {
    for (const socket of sockets) socket.disconnect()
    if (b?.child.exitCode === null) b.child.kill('SIGKILL')
    await a?.stop()
  })

  it('a user on each instance: both see both within one heartbeat, and both instances answer the same list', async () => {
    const aliceOnA = await socketOn(a.url, alice)
    const bobOnB = await socketOn(b.url, bob)
    const aliceEvents = recordEvents(aliceOnA)
    const bobEvents = recordEvents(bobOnB)
    const aliceAck = await subscribe(aliceOnA)
    // Heartbeats are counted from Bob's subscribe on.
    const mark = aliceEvents.length
    const bobAck = await subscribe(bobOnB)
    const both = [`user:${alice.user.id}`, `user:${bob.user.id}`].sort()
    await until(() => [...seen(aliceEvents, aliceAck)].sort().join() === both.join(), 'alice sees bob', 10_000)
    await until(() => [...seen(bobEvents, bobAck)].sort().join() === both.join(), 'bob sees alice', 10_000)
    const bobKey = `user:${bob.user.id}`
    const aliceSawBob = heartbeatsBefore(
      aliceEvents.slice(mark),
      (e) => e.event === 'presence_join' && e.payload.user.key === bobKey
    )
    assert.ok(aliceSawBob <= 1, `alice saw bob after ${aliceSawBob} heartbeats`)

    // Alice opens a tab on B as well: one entry with two connections, no join anywhere.
    const aliceOnB = await socketOn(b.url, alice)
    await subscribe(aliceOnB)
    const expected = [`user:${alice.user.id}×2`, `user:${bob.user.id}×1`]
    const listOn = async (url: string) => {
      const response = await a.http.get(`${url}/projects/${projectId}/presence`, bearer(alice.token))
      assert.strictEqual(response.status, 200, JSON.stringify(response.data))
      return keys(response.data.presence)
    }
    await until(async () => (await listOn(a.url)).join() === expected.join(), 'A counts both tabs', 10_000)
    await until(async () => (await listOn(b.url)).join() === expected.join(), 'B counts both tabs', 10_000)
    const aliceJoins = bobEvents.filter(
      (e) => e.event === 'presence_join' && e.payload.user.key === `user:${alice.user.id}`
    )
    assert.ok(aliceJoins.length <= 1, 'a second tab is not a join')
    aliceOnB.disconnect()
    await until(
      async () => (await listOn(a.url)).join() === expected.join().replace('×2', '×1'),
      'one tab left',
      10_000
    )
    assert.ok(seen(bobEvents, bobAck).has(`user:${alice.user.id}`), 'alice is still there for bob')
  })

  it('a SIGKILLed instance: its user leaves within two heartbeat intervals', async () => {
    const aliceOnA = sockets[0]
    const events = recordEvents(aliceOnA)
    const bobKey = `user:${bob.user.id}`
    const killedAt = Date.now()
    b.child.kill('SIGKILL')
    await until(
      () => events.some((e) => e.event === 'presence_leave' && e.payload.user.key === bobKey),
      'bob leaves',
      15_000
    )
    const beats = heartbeatsBefore(events, (e) => e.event === 'presence_leave' && e.payload.user.key === bobKey)
    assert.ok(beats <= 2, `bob left after ${beats} heartbeats of A (${Date.now() - killedAt} ms)`)
    const response = await a.http.get(`/projects/${projectId}/presence`, bearer(alice.token))
    assert.deepStrictEqual(keys(response.data.presence), [`user:${alice.user.id}×1`])
  })
})
