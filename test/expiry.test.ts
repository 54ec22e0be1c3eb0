// Tokens that expire on live sockets (src/auth/expiry.ts): a warning, an in-band refresh that
// keeps the rooms, and at expiry the rooms left but the socket kept - then re-auth + since loses
// nothing. Short-lived tokens (4 s) so the test sees the whole life of one.
import assert from 'assert'
import { io } from 'socket.io-client'
import { createClient } from '../src/client'
import type { TestServer } from './helpers'
import {
  bearer,
  connected,
  newUser,
  logIn,
  recordEvents,
  sleep,
  startTestServer,
  until,
  waitForEvent,
  serviceCall
} from './helpers'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'

/** A Feathers call over the socket (helpers.ts). */
const call = serviceCall

describe('token expiry on live sockets', function () {
  this.timeout(30_000)
  let server: TestServer
  let owner: Awaited<ReturnType<typeof newUser>>
  let projectId: number

  before(async () => {
    // Limits off: this test logs in more often than the login limit allows.
    server = await startTestServer({ auth: 'required', authSecret: SECRET, authTokenTtlS: 4, rateLimits: 'off' })
    owner = await newUser(server, 'owner')
  })
  after(() => server.stop())

  beforeEach(async () => {
    const token = await logIn(server, owner.email, owner.password)
    const project = await server.http.post('/projects', { name: 'expiring' }, bearer(token))
    assert.strictEqual(project.status, 201, JSON.stringify(project.data))
    projectId = project.data.id
  })

  /** Creates a session as the owner with a fresh token: one `sessions created` event in the room. */
  async function newSession() {
    const token = await logIn(server, owner.email, owner.password)
    const response = await server.http.post(`/projects/${projectId}/sessions`, {}, bearer(token))
    assert.strictEqual(response.status, 201)
    return response.data as { id: number }
  }

  async function subscribedSocket() {
    const token = await logIn(server, owner.email, owner.password)
    const socket = await connected(server.socket({ auth: { token } }))
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId })
    assert.strictEqual(ack.ok, true, JSON.stringify(ack))
    return socket
  }

  it('warns before expiry; a fresh token sent in-band keeps the socket in its rooms', async () => {
    const socket = await subscribedSocket()
    const events = recordEvents(socket)
    const warning = await waitForEvent<{ expires_at: string }>(socket, 'auth_expiring', 5000)
    const expiresAt = Date.parse(warning.expires_at)
    assert.ok(expiresAt > Date.now(), 'the warning comes before the expiry')

    const fresh = await logIn(server, owner.email, owner.password)
    const refreshed = await call(socket, 'create', 'authentication', { strategy: 'jwt', accessToken: fresh })
    assert.ifError(refreshed.error)

    // Past the first token's expiry: still in the room, still connected, calls still work.
    await sleep(Math.max(0, expiresAt - Date.now()) + 500)
    const session = await newSession()
    await until(
      () => events.some((e) => e.event === 'sessions created' && e.payload.id === session.id),
      'the event arrives'
    )
    assert.ok(socket.connected)
    assert.ok(!events.some((e) => e.event === 'auth_expired'), 'no auth_expired after a refresh')
    assert.ifError((await call(socket, 'find', 'projects', {})).error)
  })

  it('at expiry leaves the rooms, keeps the socket; re-auth and since miss nothing', async () => {
    const socket = await subscribedSocket()
    const events = recordEvents(socket)
    const before = await newSession()
    await until(
      () => events.some((e) => e.event === 'sessions created' && e.payload.id === before.id),
      'the first event'
    )
    const lastSeq = events.find((e) => e.event === 'sessions created')!.payload.seq as number

    const expired = await waitForEvent<{ expired_at: string; project_ids: number[] }>(socket, 'auth_expired', 8000)
    assert.deepStrictEqual(expired.project_ids, [projectId])
    assert.ok(
      events.some(
        (e) =>
          e.event === 'subscription_revoked' &&
          e.payload.project_id === projectId &&
          e.payload.reason === 'auth_expired'
      )
    )
    assert.ok(socket.connected, 'the socket stays connected')

    // Anonymous now: calls answer 401, and events of the project no longer arrive.
    const refused = await call(socket, 'find', 'projects', {})
    assert.strictEqual(refused.error?.code, 401)
    const during = await newSession()
    await sleep(300)
    assert.ok(
      !events.some((e) => e.event === 'sessions created' && e.payload.id === during.id),
      'no event after expiry'
    )

    // Authenticate again in-band and resume from the last seq: the missed event is replayed.
    const fresh = await logIn(server, owner.email, owner.password)
    assert.ifError((await call(socket, 'create', 'authentication', { strategy: 'jwt', accessToken: fresh })).error)
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId, since: lastSeq })
    assert.strictEqual(ack.recovered, true, JSON.stringify(ack))
    assert.ok(ack.replayed >= 1)
    await until(
      () => events.some((e) => e.event === 'sessions created' && e.payload.id === during.id),
      'the missed event, replayed'
    )
  })

  it("a login as another user on a live socket leaves the previous identity's rooms", async () => {
    const socket = await subscribedSocket()
    const events = recordEvents(socket)
    const stranger = await newUser(server, 'stranger')
    assert.ifError(
      (await call(socket, 'create', 'authentication', { strategy: 'jwt', accessToken: stranger.token })).error
    )
    await until(
      () => events.some((e) => e.event === 'subscription_revoked' && e.payload.reason === 'auth_changed'),
      'the revocation'
    )
    const session = await newSession()
    await sleep(300)
    assert.ok(!events.some((e) => e.event === 'sessions created' && e.payload.id === session.id))
  })

  it('the typed client with getToken renews by itself: events over two token lifetimes arrive once, in order', async () => {
    let tokens = 0
    const socket = io(server.url, { autoConnect: false, transports: ['websocket'], forceNew: true })
    server.sockets.push(socket)
    const quiet = { debug: () => undefined, warn: () => undefined }
    const client = createClient(socket, {
      logger: quiet,
      getToken: async () => {
        tokens++
        return logIn(server, owner.email, owner.password)
      }
    })
    const seen: number[] = []
    client.rooms.on('sessions created', (session) => seen.push(session.id))
    await client.rooms.subscribe(projectId)
    const created: number[] = []
    const deadline = Date.now() + 9000
    while (Date.now() < deadline) {
      created.push((await newSession()).id)
      await sleep(400)
    }
    await until(() => seen.length === created.length, 'every event handed over')
    assert.deepStrictEqual(seen, created)
    assert.ok(tokens >= 3, `a handshake token and at least two renewals (got ${tokens})`)
    assert.ok(socket.connected)
  })

  it('an in-band logout leaves the rooms of the user it had', async () => {
    const socket = await subscribedSocket()
    const events = recordEvents(socket)
    const token = (socket.auth as { token: string }).token
    assert.ifError((await call(socket, 'remove', 'authentication', token)).error)
    await until(
      () => events.some((e) => e.event === 'subscription_revoked' && e.payload.project_id === projectId),
      'the revocation'
    )
    const session = await newSession()
    await sleep(300)
    assert.ok(!events.some((e) => e.event === 'sessions created' && e.payload.id === session.id))
  })

  it('GET /connections shows a caller only the rooms of their own projects', async () => {
    await subscribedSocket()
    const mine = await server.http.get('/connections', bearer(await logIn(server, owner.email, owner.password)))
    assert.strictEqual(mine.data.rooms[String(projectId)], 1)
    const stranger = await newUser(server, 'stranger')
    const theirs = await server.http.get('/connections', bearer(stranger.token))
    assert.strictEqual(theirs.status, 200)
    assert.deepStrictEqual(theirs.data.rooms, {})
  })

  it("the typed client speaks Feathers' authentication-client too: authenticate, then subscribe", async () => {
    const socket = await connected(server.socket())
    const client = createClient(socket, { logger: { debug: () => undefined, warn: () => undefined } })
    const result = await client.authenticate({ strategy: 'local', email: owner.email, password: owner.password })
    assert.strictEqual(result.user.id, owner.user.id)
    const ack = await client.rooms.subscribe(projectId)
    assert.strictEqual(ack.project_id, projectId)
    await client.logout()
  })
})
