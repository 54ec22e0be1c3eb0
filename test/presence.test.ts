// Presence (issue 12): who is in a project room. With AUTH=required, a user's tabs are one entry
// (one join, one leave when the last tab goes; a reconnect within the grace period shows no
// leave); a removed member leaves at once; only members read presence (REST or ack); a resume's ack
// carries the list. With AUTH=off every socket is its own entry. The two-instance half is
// test/cluster/presence.test.ts, the browser half test/browser/presence.test.ts.
import assert from 'assert'
import type { Socket } from 'socket.io-client'
import { createClient } from '../src/client'
import type { Configuration } from '../src/declarations'
import type { PresenceEntry, PresenceEvent } from '../src/realtime'
import {
  bearer,
  connected,
  createProject,
  newUser,
  recordEvents,
  sleep,
  startTestServer,
  until,
  waitForEvent
} from './helpers'
import type { TestServer } from './helpers'

const GRACE_MS = 1500
const REQUIRED: Partial<Configuration> = {
  auth: 'required',
  authSecret: 'a-presence-test-secret-0123456789abcdef',
  rateLimits: 'off',
  presenceGraceMs: GRACE_MS
}

type User = Awaited<ReturnType<typeof newUser>>

const subscribeAck = (socket: Socket, projectId: number, extra: object = {}) =>
  socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId, ...extra })

/** Subscribes; the ack's presence list. */
async function join(socket: Socket, projectId: number, extra: object = {}): Promise<PresenceEntry[]> {
  const ack = await subscribeAck(socket, projectId, extra)
  assert.strictEqual(ack.ok, true, JSON.stringify(ack))
  assert.ok(Array.isArray(ack.presence), `the ack carries presence: ${JSON.stringify(ack)}`)
  return ack.presence
}

/**
 * Everything the server sent this socket before now has arrived: an ack comes after the events the
 * server emitted to the socket before it handled the request (one connection, in order).
 */
const barrier = (socket: Socket) => socket.timeout(5000).emitWithAck('unsubscribe', { project_id: 2147483647 })

const presenceEvents = (events: { event: string; payload: any }[], kind: 'join' | 'leave', key?: string) =>
  events
    .filter((entry) => entry.event === `presence_${kind}`)
    .map((entry) => entry.payload as PresenceEvent)
    .filter((payload) => key === undefined || payload.user.key === key)

const byKey = (list: PresenceEntry[]) => Object.fromEntries(list.map((entry) => [entry.key, entry]))

describe('presence (AUTH=required)', () => {
  let server: TestServer
  let alice: User
  let bob: User
  let stranger: User
  let projectId: number
  const tab = (user: User) => connected(server.socket({ auth: { token: user.token } }))
  const listed = async (): Promise<PresenceEntry[]> =>
    (await server.http.get(`/projects/${projectId}/presence`, bearer(alice.token))).data.presence
  /** The sockets of earlier tests are gone (their grace periods over). */
  const nobodyThere = () =>
    until(
      async () => {
        const response = await server.http.get(`/projects/${projectId}/presence`, bearer(alice.token))
        return response.data.presence.length === 0
      },
      'everyone left',
      GRACE_MS + 5000
    )

  before(async () => {
    server = await startTestServer(REQUIRED)
    ;[alice, bob, stranger] = await Promise.all([newUser(server, 'alice'), newUser(server, 'bob'), newUser(server)])
    const created = await server.http.post('/projects', { name: 'presence' }, bearer(alice.token))
    projectId = created.data.id
    const added = await server.http.post(
      `/projects/${projectId}/members`,
      { user_id: bob.user.id, role: 'viewer' },
      bearer(alice.token)
    )
    assert.strictEqual(added.status, 201)
  })

  after(() => server.stop())

  beforeEach(() => nobodyThere())

  it('two users with two tabs each: one join per user, one leave when the last tab closes', async () => {
    const alice1 = await tab(alice)
    const seen = recordEvents(alice1)
    const first = await join(alice1, projectId)
    assert.deepStrictEqual(
      first.map(({ key, user_id, email, name, connections }) => ({ key, user_id, email, name, connections })),
      [{ key: `user:${alice.user.id}`, user_id: alice.user.id, email: alice.email, name: alice.email, connections: 1 }]
    )
    assert.ok(!Number.isNaN(Date.parse(first[0].since)), 'since is a time')
    const alice2 = await tab(alice)
    assert.strictEqual(byKey(await join(alice2, projectId))[`user:${alice.user.id}`].connections, 2)

    const bob1 = await tab(bob)
    const bob2 = await tab(bob)
    await join(bob1, projectId)
    const list = byKey(await join(bob2, projectId))
    assert.strictEqual(list[`user:${bob.user.id}`].connections, 2)
    assert.strictEqual(list[`user:${alice.user.id}`].connections, 2)
    await barrier(alice1)
    const bobKey = `user:${bob.user.id}`
    assert.strictEqual(presenceEvents(seen, 'join', bobKey).length, 1, 'one join for two tabs')
    // Her own join is in her ack, not an event; her second tab is no join either.
    assert.strictEqual(presenceEvents(seen, 'join', `user:${alice.user.id}`).length, 0, 'no join of her own')

    const rest = await server.http.get(`/projects/${projectId}/presence`, bearer(bob.token))
    assert.strictEqual(rest.status, 200, JSON.stringify(rest.data))
    assert.strictEqual(rest.data.project_id, projectId)
    assert.deepStrictEqual(
      rest.data.presence.map((entry: PresenceEntry) => [entry.key, entry.connections]).sort(),
      [
        [`user:${alice.user.id}`, 2],
        [bobKey, 2]
      ].sort()
    )

    // One tab unsubscribes, the other closes: a leave once the grace period is over, only one.
    await bob1.timeout(5000).emitWithAck('unsubscribe', { project_id: projectId })
    bob2.disconnect()
    const left: PresenceEvent = await waitForEvent(alice1, 'presence_leave', GRACE_MS + 5000)
    assert.strictEqual(left.user.key, bobKey)
    assert.strictEqual(left.project_id, projectId)
    await barrier(alice1)
    assert.strictEqual(presenceEvents(seen, 'leave', bobKey).length, 1)
    assert.ok(
      !(bobKey in byKey((await server.http.get(`/projects/${projectId}/presence`, bearer(alice.token))).data.presence))
    )
    for (const socket of [alice1, alice2, bob1]) socket.disconnect()
  })

  it('a reconnect within the grace period shows no leave and no second join', async () => {
    const watcher = await tab(alice)
    await join(watcher, projectId)
    const seen = recordEvents(watcher)
    const bobTab = await tab(bob)
    await join(bobTab, projectId)
    bobTab.on('connect', () => void subscribeAck(bobTab, projectId))
    // A network blip: the transport drops, the client reconnects and subscribes again.
    bobTab.io.engine.close()
    await waitForEvent(bobTab, 'connect')
    await sleep(GRACE_MS + 300)
    await barrier(watcher)
    const bobKey = `user:${bob.user.id}`
    assert.deepStrictEqual(presenceEvents(seen, 'leave', bobKey), [], 'no leave')
    assert.strictEqual(presenceEvents(seen, 'join', bobKey).length, 1, 'the first join only')
    const list = byKey((await server.http.get(`/projects/${projectId}/presence`, bearer(alice.token))).data.presence)
    assert.strictEqual(list[bobKey]?.connections, 1, 'the reconnected socket took the place of the lost one')
    bobTab.disconnect()
    watcher.disconnect()
  })

  it('a removed member leaves at once, without the grace period', async () => {
    const watcher = await tab(alice)
    await join(watcher, projectId)
    const bobTab = await tab(bob)
    await join(bobTab, projectId)
    const leave = waitForEvent<PresenceEvent>(watcher, 'presence_leave', GRACE_MS + 5000)
    const removed = await server.http.delete(`/projects/${projectId}/members/${bob.user.id}`, bearer(alice.token))
    assert.strictEqual(removed.status, 200)
    // The answer comes after the revocation: the list no longer holds Bob (no grace period).
    assert.ok(!(`user:${bob.user.id}` in byKey(await listed())), 'gone from the list at once')
    assert.strictEqual((await leave).user.key, `user:${bob.user.id}`)
    await server.http.post(
      `/projects/${projectId}/members`,
      { user_id: bob.user.id, role: 'viewer' },
      bearer(alice.token)
    )
    bobTab.disconnect()
    watcher.disconnect()
  })

  it('an expired login leaves at once, without the grace period', async () => {
    const watcher = await tab(alice)
    await join(watcher, projectId)
    // A token of Bob's that expires in 2 s, made by the server's own authentication service.
    const auth = server.app.defaultAuthentication!()
    const shortLived = await auth.createAccessToken({ sub: String(bob.user.id) }, { expiresIn: '2s' })
    const bobTab = await connected(server.socket({ auth: { token: shortLived } }))
    await join(bobTab, projectId)
    const leave = waitForEvent<PresenceEvent>(watcher, 'presence_leave', GRACE_MS + 5000)
    const revoked = await waitForEvent(bobTab, 'subscription_revoked', 10_000)
    assert.strictEqual(revoked.reason, 'auth_expired')
    // By the time the socket hears it, the server's list no longer holds Bob (no grace period).
    assert.ok(!(`user:${bob.user.id}` in byKey(await listed())), 'gone from the list at once')
    assert.strictEqual((await leave).user.key, `user:${bob.user.id}`)
    assert.ok(bobTab.connected, 'the socket stays, anonymous')
    bobTab.disconnect()
    watcher.disconnect()
  })

  it('a resume gets the current list in its ack', async () => {
    const watcher = await tab(alice)
    const fresh = await subscribeAck(watcher, projectId)
    const bobTab = await tab(bob)
    const list = await join(bobTab, projectId, { since: fresh.seq, epoch: fresh.epoch })
    assert.deepStrictEqual(Object.keys(byKey(list)).sort(), [`user:${alice.user.id}`, `user:${bob.user.id}`].sort())
    bobTab.disconnect()
    watcher.disconnect()
  })

  it('the typed client: rooms.presence(id) from the ack, onPresence on every change, until unsubscribed', async () => {
    const quiet = { logger: { debug: () => undefined, warn: () => undefined } }
    const client = createClient(await tab(alice), quiet)
    const changes: string[][] = []
    const stop = client.rooms.onPresence(projectId, (list) => changes.push(list.map((entry) => entry.key).sort()))
    await client.rooms.subscribe(projectId)
    const aliceKey = `user:${alice.user.id}`
    const bobKey = `user:${bob.user.id}`
    assert.deepStrictEqual(
      client.rooms.presence(projectId).map((entry) => entry.key),
      [aliceKey]
    )
    const bobTab = await tab(bob)
    await join(bobTab, projectId)
    await until(() => client.rooms.presence(projectId).length === 2, 'bob appears')
    await bobTab.timeout(5000).emitWithAck('unsubscribe', { project_id: projectId })
    await until(() => client.rooms.presence(projectId).length === 1, 'bob leaves')
    assert.deepStrictEqual(changes, [[aliceKey], [aliceKey, bobKey].sort(), [aliceKey]])
    stop()
    await client.rooms.unsubscribe(projectId)
    assert.deepStrictEqual(client.rooms.presence(projectId), [])
    assert.strictEqual(changes.length, 3, 'a stopped listener hears nothing')
    client.rooms.socket.disconnect()
    bobTab.disconnect()
  })

  it('a non-member reads no presence, over REST or in an ack; anonymous callers get 401', async () => {
    const member = await server.http.get(`/projects/${projectId}/presence`, bearer(bob.token))
    assert.strictEqual(member.status, 200)
    const outsider = await server.http.get(`/projects/${projectId}/presence`, bearer(stranger.token))
    const missing = await server.http.get('/projects/999999/presence', bearer(stranger.token))
    assert.strictEqual(outsider.status, 404)
    assert.strictEqual(outsider.data.message, `Project ${projectId} does not exist`)
    assert.strictEqual(missing.status, 404)
    const anonymous = await server.http.get(`/projects/${projectId}/presence`, { headers: { Authorization: '' } })
    assert.strictEqual(anonymous.status, 401)
    const socket = await tab(stranger)
    const ack = await subscribeAck(socket, projectId)
    assert.strictEqual(ack.ok, false)
    assert.strictEqual(ack.error.code, 404)
    assert.ok(!('presence' in ack))
    socket.disconnect()
  })

  it('bad input: 404 for ids that cannot be projects, 400 for a query, 405 for other methods', async () => {
    const auth = bearer(alice.token)
    for (const id of ['abc', '0', '-1', '1.5', '99999999999', '__proto__', 'constructor']) {
      const response = await server.http.get(`/projects/${id}/presence`, auth)
      assert.strictEqual(response.status, 404, `${id}: ${JSON.stringify(response.data)}`)
    }
    const query = await server.http.get(`/projects/${projectId}/presence?user_id=1`, auth)
    assert.strictEqual(query.status, 400)
    assert.match(query.data.message, /presence takes no query parameters/)
    for (const method of ['post', 'patch', 'put', 'delete'] as const) {
      const response = await server.http.request({ method, url: `/projects/${projectId}/presence`, ...auth })
      assert.strictEqual(response.status, 405, `${method}: ${response.status} ${JSON.stringify(response.data)}`)
    }
  })
})

describe('presence (AUTH=off): every socket is its own entry', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer({ auth: 'off', presenceGraceMs: 200 })
  })

  after(() => server.stop())

  it('lists each connection of the local user apart, and each leaves on its own', async () => {
    const project = await createProject(server, 'local presence')
    const one = await connected(server.socket({ auth: {} }))
    const two = await connected(server.socket({ auth: {} }))
    await join(one, project.id)
    const list = await join(two, project.id)
    assert.deepStrictEqual(
      list.map(({ key, user_id, email, name, connections }) => ({ key, user_id, email, name, connections })).sort(),
      [one, two]
        .map((socket) => ({ key: `conn:${socket.id}`, user_id: null, email: null, name: 'local', connections: 1 }))
        .sort()
    )
    const leave = waitForEvent<PresenceEvent>(one, 'presence_leave')
    const key = `conn:${two.id}`
    two.disconnect()
    assert.strictEqual((await leave).user.key, key)
    const rest = await server.http.get(`/projects/${project.id}/presence`)
    assert.deepStrictEqual(
      rest.data.presence.map((entry: PresenceEntry) => entry.key),
      [`conn:${one.id}`]
    )
    one.disconnect()
  })

  it('presence: false - no list in the ack, no presence events, still present to the others, until unsubscribed', async () => {
    const project = await createProject(server, 'quiet presence')
    const quiet = await connected(server.socket({ auth: {} }))
    const watcher = await connected(server.socket({ auth: {} }))
    const quietAck = await subscribeAck(quiet, project.id, { presence: false })
    assert.strictEqual(quietAck.ok, true, JSON.stringify(quietAck))
    assert.strictEqual(quietAck.presence, undefined)
    const heard = recordEvents(quiet)
    const list = await join(watcher, project.id)
    assert.deepStrictEqual(list.map((entry) => entry.key).sort(), [`conn:${quiet.id}`, `conn:${watcher.id}`].sort())
    const third = await connected(server.socket({ auth: {} }))
    const watcherHears = waitForEvent<PresenceEvent>(watcher, 'presence_join')
    await join(third, project.id)
    assert.strictEqual((await watcherHears).user.key, `conn:${third.id}`)
    await barrier(quiet)
    assert.deepStrictEqual(
      heard.filter((entry) => entry.event.startsWith('presence_')),
      []
    )

    const refused = await subscribeAck(quiet, project.id, { presence: 'no' })
    assert.strictEqual(refused.ok, false)
    assert.strictEqual(refused.error.code, 400)
    assert.match(refused.error.message, /presence must be true or false/)

    // Unsubscribed, then subscribed again with the default: the list and the events again.
    await quiet.timeout(5000).emitWithAck('unsubscribe', { project_id: project.id })
    assert.ok((await join(quiet, project.id)).some((entry) => entry.key === `conn:${third.id}`))
    const fourth = await connected(server.socket({ auth: {} }))
    const quietHears = waitForEvent<PresenceEvent>(quiet, 'presence_join')
    await join(fourth, project.id)
    assert.strictEqual((await quietHears).user.key, `conn:${fourth.id}`)
    for (const socket of [quiet, watcher, third, fourth]) socket.disconnect()
  })

  it('a socket that logged in with a token is the entry of its user', async () => {
    const project = await createProject(server, 'local presence with a user')
    const user = await newUser(server, 'local-login')
    const local = await connected(server.socket({ auth: {} }))
    const signedIn = await connected(server.socket({ auth: { token: user.token } }))
    await join(local, project.id)
    const list = await join(signedIn, project.id)
    assert.deepStrictEqual(list.map((entry) => [entry.key, entry.user_id, entry.email]).sort(), [
      [`conn:${local.id}`, null, null],
      [`user:${user.user.id}`, user.user.id, user.email]
    ])
    local.disconnect()
    signedIn.disconnect()
  })
})
