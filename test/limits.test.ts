// Abuse limits (src/limits): every limit hit and recovered from, against the real app. Windows are
// shortened with the test-only setting rateLimitWindowS (every window lasts that many seconds
// instead of 60 s or 10 s), and each test waits for the reset the refusal announces.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { Socket } from 'socket.io-client'
import { connected, createProject, createSession, sleep, startTestServer, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'
import type { Configuration } from '../src/declarations'
import { limitPlan } from '../src/limits'
import { addressKey, handshakeIp, normalizeIp } from '../src/limits/ip'
import { normalizeConfiguration, validateConfiguration, loadConfiguration } from '../src/configuration'

const SECRET = 'limits-test-secret-limits-test-secret-0123456789'
const PASSWORD = 'correct horse battery staple'
let emails = 0
const email = (label: string) => `${label}-${process.pid}-${Date.now()}-${++emails}@example.test`

/** Limits on, every window `windowS` long, the rest as given. */
const limited = (windowS: number, overrides: Partial<Configuration> = {}): Partial<Configuration> => ({
  rateLimits: 'on',
  rateLimitWindowS: windowS,
  ...overrides
})

/** A 429 over REST: the Feathers error JSON with data.retry_after_ms and a Retry-After header. */
function assertTooMany(response: { status: number; data: any; headers: any }, windowS: number) {
  assert.strictEqual(response.status, 429, JSON.stringify(response.data))
  assert.strictEqual(response.data.name, 'TooManyRequests')
  assert.strictEqual(response.data.code, 429)
  assert.match(response.data.message, /^Too many .*; try again in \d+ s$/)
  const retryMs = response.data.data.retry_after_ms
  assert.ok(Number.isInteger(retryMs) && retryMs > 0 && retryMs <= windowS * 1000, `retry_after_ms ${retryMs}`)
  assert.strictEqual(response.headers['retry-after'], String(Math.ceil(retryMs / 1000)))
  return retryMs as number
}

async function signUpAndLogIn(server: TestServer, label: string) {
  const address = email(label)
  const user = await server.http.post('/users', { email: address, password: PASSWORD })
  assert.strictEqual(user.status, 201, JSON.stringify(user.data))
  const login = await server.http.post('/authentication', { strategy: 'local', email: address, password: PASSWORD })
  assert.strictEqual(login.status, 201, JSON.stringify(login.data))
  const token: string = login.data.accessToken
  return { id: user.data.id as number, token, auth: { headers: { Authorization: `Bearer ${token}` } } }
}

/** The connect_error of a refused handshake (reconnection off: a refusal is final). */
async function refusedHandshake(socket: Socket) {
  const error: any = await waitForEvent(socket, 'connect_error')
  assert.strictEqual(socket.connected, false)
  return error
}

describe('abuse limits', () => {
  let server: TestServer | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  describe('settings', () => {
    it('are on by default only with AUTH=required; RATE_LIMITS decides when set; 0 turns one limit off', () => {
      const base = validateConfiguration(normalizeConfiguration({ ...loadConfiguration() }))
      assert.strictEqual(limitPlan(base).enabled, false, 'AUTH=off: off')
      assert.strictEqual(limitPlan({ ...base, auth: 'required' }).enabled, true)
      assert.strictEqual(limitPlan({ ...base, auth: undefined }).enabled, false, 'no auth setting: off')
      assert.strictEqual(limitPlan({ ...base, auth: 'required', rateLimits: 'off' }).enabled, false)
      const on = limitPlan({ ...base, rateLimits: 'on', rateLimitMessagesPerMin: 0 })
      assert.strictEqual(on.messages, null)
      assert.deepStrictEqual(on.testRuns, { points: 10, durationS: 60 })
      assert.deepStrictEqual(on.projects, { points: 30, durationS: 60 })
      assert.deepStrictEqual(on.signups, { points: 10, durationS: 60 })
      assert.deepStrictEqual(on.logins, { points: 10, durationS: 60 })
      assert.deepStrictEqual(on.socketEvents, { points: 100, durationS: 10 })
      assert.deepStrictEqual(on.handshakes, { points: 120, durationS: 60 })
      assert.strictEqual(on.socketsPerUser, 50)
      assert.strictEqual(on.trustProxy, false)
    })

    it('reads the environment strings and names the variable of a bad value', () => {
      const raw = {
        ...loadConfiguration(),
        rateLimits: ' ON ',
        trustProxy: 'true',
        rateLimitMessagesPerMin: '5',
        rateLimitSocketsPerUser: '0'
      }
      const settings = validateConfiguration(normalizeConfiguration(raw))
      assert.strictEqual(settings.rateLimits, 'on')
      assert.strictEqual(settings.trustProxy, true)
      assert.strictEqual(settings.rateLimitMessagesPerMin, 5)
      assert.strictEqual(limitPlan(settings).socketsPerUser, 0)
      assert.throws(
        () =>
          validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), rateLimitMessagesPerMin: 'many' })),
        /rateLimitMessagesPerMin \(RATE_LIMIT_MESSAGES_PER_MIN\) must be integer/
      )
      assert.throws(
        () => validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), rateLimits: 'sometimes' })),
        /RATE_LIMITS/
      )
      assert.throws(
        () => validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), trustProxy: 'maybe' })),
        /TRUST_PROXY/
      )
    })

    it('names a client by the TCP peer, or by the right-most X-Forwarded-For entry behind a trusted proxy', () => {
      const handshake = { address: '::ffff:10.0.0.7', headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9' } }
      assert.strictEqual(handshakeIp(handshake, false), '10.0.0.7')
      assert.strictEqual(handshakeIp(handshake, true), '203.0.113.9')
      assert.strictEqual(normalizeIp(undefined), 'unknown')
      assert.strictEqual(addressKey('203.0.113.9'), '203.0.113.9')
      // One IPv6 host holds a /64: its addresses share a budget.
      assert.strictEqual(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64')
      assert.strictEqual(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64')
      assert.strictEqual(addressKey('::1'), '0:0:0:0::/64')
    })
  })

  it('are off by default with AUTH=off: 200 socket events and 35 new projects in a burst are all answered', async () => {
    server = await startTestServer()
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const acks = await Promise.all(
      Array.from({ length: 200 }, () => socket.timeout(5000).emitWithAck('subscribe', { project_id: project.id }))
    )
    assert.ok(acks.every((ack) => ack.ok === true))
    const created = await Promise.all(
      Array.from({ length: 35 }, (_, i) => server!.http.post('/projects', { name: `burst ${i}` }))
    )
    assert.ok(created.every((response) => response.status === 201))
    assert.strictEqual(socket.connected, true)
  })

  describe('REST', () => {
    // The first answer of a process loads the tokenizer (about a second): not inside a window.
    before(async () => {
      const warm = await startTestServer()
      try {
        const session = await createSession(warm, (await createProject(warm)).id)
        const message = (await warm.http.post(`/sessions/${session.id}/messages`, { prompt: 'warm up' })).data
        await until(
          async () => ['completed', 'failed'].includes((await warm.http.get(`/messages/${message.id}`)).data.status),
          'the answer',
          10_000
        )
      } finally {
        await warm.stop()
      }
    })

    it('messages: both routes share one budget; past it 429 + Retry-After, nothing stored, a socket call refused too; then allowed again', async () => {
      server = await startTestServer(limited(2, { rateLimitMessagesPerMin: 3 }))
      const project = await createProject(server)
      const session = await createSession(server, project.id)
      const total = async () =>
        (await server!.http.get('/messages', { params: { session_id: session.id } })).data.total as number

      assert.strictEqual((await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'one' })).status, 201)
      assert.strictEqual((await server.http.post('/messages', { session_id: session.id, prompt: 'two' })).status, 201)
      assert.strictEqual((await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'three' })).status, 201)
      const refusedNested = await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'four' })
      assertTooMany(refusedNested, 2)
      assert.match(refusedNested.data.message, /Too many messages: at most 3 per 2 s per user/)
      assertTooMany(await server.http.post('/messages', { session_id: session.id, prompt: 'four' }), 2)
      // Refused before validation too: a bad body gets the 429, not a 400.
      assertTooMany(await server.http.post(`/sessions/${session.id}/messages`, { prompt: '' }), 2)

      // The same user over socket.io: a Feathers call's ack carries the 429 as its error.
      const socket = await connected(server.socket())
      const [error] = await new Promise<any[]>((resolve) =>
        socket.emit('create', 'messages', { session_id: session.id, prompt: 'over socket' }, {}, (...args: any[]) =>
          resolve(args)
        )
      )
      assert.strictEqual(error.name, 'TooManyRequests')
      assert.strictEqual(error.code, 429)
      assert.ok(error.data.retry_after_ms > 0)
      assert.strictEqual(await total(), 3, 'nothing stored by the refused calls')

      await sleep(error.data.retry_after_ms + 50)
      assert.strictEqual(
        (await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'after the window' })).status,
        201
      )
      assert.strictEqual(await total(), 4)
    })

    it('test runs: 429 past the limit, no run queued; allowed again after the window', async () => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-limits-'))
      try {
        server = await startTestServer(
          limited(2, { rateLimitTestRunsPerMin: 2, testWorkspaceRoot: root, testCommandAllowlist: ['node'] } as any)
        )
        const project = await createProject(server)
        fs.mkdirSync(path.join(root, String(project.id)))
        assert.strictEqual(
          (await server.http.patch(`/projects/${project.id}`, { test_command: ['node', '-e', '0'] })).status,
          200
        )
        const runs = async () => (await server!.http.get(`/projects/${project.id}/test-runs`)).data.total as number

        assert.strictEqual((await server.http.post(`/projects/${project.id}/test-runs`)).status, 201)
        assert.strictEqual((await server.http.post(`/projects/${project.id}/test-runs`)).status, 201)
        const refused = await server.http.post(`/projects/${project.id}/test-runs`)
        const retryMs = assertTooMany(refused, 2)
        assert.match(refused.data.message, /Too many test runs: at most 2 per 2 s per user/)
        assert.strictEqual(await runs(), 2)

        await sleep(retryMs + 50)
        assert.strictEqual((await server.http.post(`/projects/${project.id}/test-runs`)).status, 201)
        assert.strictEqual(await runs(), 3)
        await until(
          async () =>
            (await server!.http.get(`/projects/${project.id}/test-runs`)).data.data.every(
              (run: any) => !['queued', 'running'].includes(run.status)
            ),
          'the runs ended',
          10_000
        )
      } finally {
        await server?.stop()
        server = undefined
        fs.rmSync(root, { recursive: true, force: true })
      }
    })

    it('project creation: 429 past the limit, no project stored; allowed again after the window', async () => {
      server = await startTestServer(limited(2, { rateLimitProjectsPerMin: 2 }))
      const total = async () => (await server!.http.get('/projects')).data.total as number
      const before = await total()
      await createProject(server, 'p1')
      await createProject(server, 'p2')
      const retryMs = assertTooMany(await server.http.post('/projects', { name: 'p3' }), 2)
      assert.strictEqual(await total(), before + 2)
      await sleep(retryMs + 50)
      await createProject(server, 'p3')
      assert.strictEqual(await total(), before + 3)
    })

    it('per user: with AUTH=required each user has a budget of their own', async () => {
      server = await startTestServer(limited(2, { auth: 'required', authSecret: SECRET, rateLimitProjectsPerMin: 1 }))
      const alice = await signUpAndLogIn(server, 'alice')
      const bob = await signUpAndLogIn(server, 'bob')
      assert.strictEqual((await server.http.post('/projects', { name: 'alice 1' }, alice.auth)).status, 201)
      assertTooMany(await server.http.post('/projects', { name: 'alice 2' }, alice.auth), 2)
      assert.strictEqual((await server.http.post('/projects', { name: 'bob 1' }, bob.auth)).status, 201)
      // Anonymous calls are refused by authentication, not counted against anyone.
      assert.strictEqual((await server.http.post('/projects', { name: 'anonymous' })).status, 401)
    })

    it('sign-up per address: 429 past the limit and the user is not created; allowed again after the window', async () => {
      server = await startTestServer(limited(2, { rateLimitSignupsPerMin: 2 }))
      const address = email('signup')
      assert.strictEqual((await server.http.post('/users', { email: email('s1'), password: PASSWORD })).status, 201)
      assert.strictEqual((await server.http.post('/users', { email: 'not-an-email', password: 'short' })).status, 400)
      const refused = await server.http.post('/users', { email: address, password: PASSWORD })
      const retryMs = assertTooMany(refused, 2)
      assert.match(refused.data.message, /Too many sign-ups: at most 2 per 2 s per address/)
      await sleep(retryMs + 50)
      // Not stored by the refused call: the same email signs up now (a duplicate would be 409).
      assert.strictEqual((await server.http.post('/users', { email: address, password: PASSWORD })).status, 201)
    })

    it('login attempts per address: 429 even with the right password; token logins do not count; allowed again after the window', async () => {
      server = await startTestServer(limited(2, { rateLimitLoginsPerMin: 2 }))
      const address = email('login')
      assert.strictEqual((await server.http.post('/users', { email: address, password: PASSWORD })).status, 201)
      const login = (password: string) =>
        server!.http.post('/authentication', { strategy: 'local', email: address, password })
      const first = await login(PASSWORD)
      assert.strictEqual(first.status, 201)
      assert.strictEqual((await login('wrong password')).status, 401)
      const refused = await login(PASSWORD)
      const retryMs = assertTooMany(refused, 2)
      assert.match(refused.data.message, /Too many login attempts: at most 2 per 2 s per address/)
      // A token is not a password guess.
      const withToken = await server.http.post('/authentication', {
        strategy: 'jwt',
        accessToken: first.data.accessToken
      })
      assert.strictEqual(withToken.status, 201, JSON.stringify(withToken.data))
      await sleep(retryMs + 50)
      assert.strictEqual((await login(PASSWORD)).status, 201)
    })

    it('TRUST_PROXY: the right-most X-Forwarded-For entry names the client; without it the header is ignored', async () => {
      const forwarded = (value: string) => ({ headers: { 'X-Forwarded-For': value } })
      server = await startTestServer(limited(2, { rateLimitSignupsPerMin: 1, trustProxy: true }))
      const signUp = (value: string) =>
        server!.http.post('/users', { email: email('proxy'), password: PASSWORD }, forwarded(value))
      assert.strictEqual((await signUp('198.51.100.1')).status, 201)
      assert.strictEqual((await signUp('198.51.100.2')).status, 201, 'another client behind the proxy')
      // What the client writes left of the proxy's entry does not make it someone else.
      assert.strictEqual((await signUp('6.6.6.6, 198.51.100.1')).status, 429)
      await server.stop()

      server = await startTestServer(limited(2, { rateLimitSignupsPerMin: 1 }))
      assert.strictEqual((await signUp('198.51.100.1')).status, 201)
      assert.strictEqual(
        (await signUp('198.51.100.2')).status,
        429,
        'not behind a trusted proxy: the header is the client talking'
      )
    })
  })

  describe('socket.io', () => {
    it('events per socket: past the limit an ack gets the 429 with retry_after_ms and nothing is done; after the window the socket goes on', async () => {
      server = await startTestServer(limited(1, { rateLimitSocketEventsPer10s: 4 }))
      const [a, b] = [await createProject(server, 'a'), await createProject(server, 'b')]
      const socket = await connected(server.socket())
      for (let i = 0; i < 4; i++)
        assert.strictEqual((await socket.timeout(2000).emitWithAck('subscribe', { project_id: a.id })).ok, true)
      const refused = await socket.timeout(2000).emitWithAck('subscribe', { project_id: b.id })
      assert.strictEqual(refused.ok, false)
      assert.strictEqual(refused.error.name, 'TooManyRequests')
      assert.strictEqual(refused.error.code, 429)
      assert.match(refused.error.message, /Too many events on this socket: at most 4 per 1 s/)
      const retryMs = refused.error.data.retry_after_ms
      assert.ok(retryMs > 0 && retryMs <= 1000, `retry_after_ms ${retryMs}`)
      // A Feathers call gets the error as its ack's first argument.
      const [error] = await new Promise<any[]>((resolve) =>
        socket.emit('find', 'projects', {}, (...args: any[]) => resolve(args))
      )
      assert.strictEqual(error.code, 429)
      // The refused subscribe did nothing.
      const rooms = (await server.http.get('/connections')).data.rooms
      assert.strictEqual(rooms[String(b.id)], undefined)
      assert.strictEqual(rooms[String(a.id)], 1)

      await sleep(retryMs + 50)
      assert.strictEqual((await socket.timeout(2000).emitWithAck('subscribe', { project_id: b.id })).ok, true)
      assert.strictEqual(socket.connected, true)
    })

    it('events per socket: a socket that keeps going (twice the limit in one window) is disconnected', async () => {
      server = await startTestServer(limited(1, { rateLimitSocketEventsPer10s: 5 }))
      const socket = await connected(server.socket({ reconnection: false }))
      const disconnected = waitForEvent<string>(socket, 'disconnect')
      for (let i = 0; i < 11; i++) socket.emit('unsubscribe', { project_id: 1 })
      assert.strictEqual(await disconnected, 'io server disconnect')
      await until(
        async () => (await server!.http.get('/connections')).data.active_connections === 0,
        'the socket is counted out'
      )
    })

    it('handshakes per address: past the limit connect_error with the 429; allowed again after the window', async () => {
      server = await startTestServer(limited(1, { rateLimitHandshakesPerMin: 3 }))
      for (let i = 0; i < 3; i++) await connected(server.socket({ reconnection: false }))
      const error = await refusedHandshake(server.socket({ reconnection: false }))
      assert.match(
        error.message,
        /^Too many connection attempts from 127\.0\.0\.1: at most 3 per 1 s per address; try again in 1 s$/
      )
      assert.strictEqual(error.data.name, 'TooManyRequests')
      assert.strictEqual(error.data.code, 429)
      const retryMs = error.data.data.retry_after_ms
      assert.ok(retryMs > 0 && retryMs <= 1000)
      await sleep(retryMs + 50)
      await connected(server.socket({ reconnection: false }))
    })

    it('open sockets per user (AUTH=off: the local user): one too many is refused; closing one frees its place', async () => {
      server = await startTestServer(limited(1, { rateLimitSocketsPerUser: 2 }))
      const first = await connected(server.socket({ reconnection: false }))
      await connected(server.socket({ reconnection: false }))
      const error = await refusedHandshake(server.socket({ reconnection: false }))
      assert.strictEqual(error.message, 'Too many open sockets for this user: at most 2; close one to open another')
      assert.strictEqual(error.data.code, 429)
      assert.deepStrictEqual(error.data.data, { limit: 2, open_sockets: 2 })
      first.disconnect()
      await until(
        async () => (await server!.http.get('/connections')).data.active_connections === 1,
        'the first socket is gone'
      )
      await connected(server.socket({ reconnection: false }))
    })

    it('open sockets per user (AUTH=required): each user has their own places; anonymous sockets take none', async () => {
      server = await startTestServer(limited(1, { auth: 'required', authSecret: SECRET, rateLimitSocketsPerUser: 2 }))
      const alice = await signUpAndLogIn(server, 'alice')
      const bob = await signUpAndLogIn(server, 'bob')
      await connected(server.socket({ reconnection: false, auth: { token: alice.token } }))
      await connected(server.socket({ reconnection: false, auth: { token: alice.token } }))
      const error = await refusedHandshake(server.socket({ reconnection: false, auth: { token: alice.token } }))
      assert.match(error.message, /Too many open sockets for this user/)
      await connected(server.socket({ reconnection: false, auth: { token: bob.token } }))
      for (let i = 0; i < 3; i++) await connected(server.socket({ reconnection: false }))
    })
  })
})
