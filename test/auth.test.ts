// Identities, the two modes, protected mode and CORS (issue 7, items 1-2): sign-up and login,
// tokens over REST and socket.io (handshake and in-band), platform tokens, the local user of
// AUTH=off, refusals at start-up, and the Origin / Host checks.
import assert from 'assert'
import { spawn } from 'child_process'
import crypto from 'crypto'
import path from 'path'
import jsonwebtoken from 'jsonwebtoken'
import type { Socket } from 'socket.io-client'
import { createApp } from '../src/app'
import { ConfigurationError } from '../src/configuration'
import { originAllowed, hostAllowed } from '../src/http'
import type { Configuration } from '../src/declarations'
import {
  TEST_PASSWORD,
  bearer,
  connected,
  logIn,
  newUser,
  recordEvents,
  signUp,
  sleep,
  startTestServer,
  uniqueEmail,
  waitForEvent,
  serviceCall
} from './helpers'
import type { TestServer } from './helpers'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const REQUIRED: Partial<Configuration> = { auth: 'required', authSecret: SECRET }

/** A Feathers call over the socket (helpers.ts). */
const call = serviceCall

function connectError(socket: Socket): Promise<Error> {
  return waitForEvent<Error>(socket, 'connect_error')
}

describe('auth: identities, modes, CORS', () => {
  describe('sign-up and login (defaults: AUTH=off)', () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer()
    })
    after(() => server.stop())

    it('POST /users answers 201 {id, email, created_at}; the password is stored as a bcrypt hash only', async () => {
      const email = uniqueEmail('signup')
      const response = await server.http.post('/users', { email: email.toUpperCase(), password: TEST_PASSWORD })
      assert.strictEqual(response.status, 201, JSON.stringify(response.data))
      assert.deepStrictEqual(Object.keys(response.data).sort(), ['created_at', 'email', 'id'])
      assert.strictEqual(response.data.email, email)
      assert.ok(!JSON.stringify(response.data).includes(TEST_PASSWORD))
      const row = await server.app.get('dbClient')('users').where({ id: response.data.id }).first()
      assert.match(row.password_hash, /^\$2[aby]\$10\$/)
    })

    it('400 for a short password, a bad email, unknown fields; nothing written', async () => {
      const email = uniqueEmail('bad')
      const cases = [
        [{ email, password: 'short' }, /password must NOT have fewer than 8 characters/],
        [{ email: 'not-an-email', password: TEST_PASSWORD }, /email/],
        [{ email, password: TEST_PASSWORD, admin: true }, /unknown field 'admin'/],
        [{ email }, /password is required/],
        [{ email, password: 'é'.repeat(40) }, /at most 72 bytes/]
      ] as const
      for (const [body, message] of cases) {
        const response = await server.http.post('/users', body)
        assert.strictEqual(response.status, 400, JSON.stringify(response.data))
        assert.match(response.data.message, message)
      }
      assert.strictEqual(await server.app.get('dbClient')('users').where({ email }).first(), undefined)
    })

    it('409 Conflict for an email already taken (any case), not a 5xx', async () => {
      const { email } = await signUp(server, uniqueEmail('dup'))
      for (const again of [email, email.toUpperCase()]) {
        const response = await server.http.post('/users', { email: again, password: TEST_PASSWORD })
        assert.strictEqual(response.status, 409, JSON.stringify(response.data))
        assert.strictEqual(response.data.name, 'Conflict')
        assert.match(response.data.message, /already exists/)
      }
    })

    it('the local user is reserved: signing up as local@localhost is a 409', async () => {
      const response = await server.http.post('/users', { email: 'local@localhost', password: TEST_PASSWORD })
      assert.strictEqual(response.status, 409)
    })

    it('POST /authentication (local) answers 201 {accessToken, authentication, user}; the token lives AUTH_TOKEN_TTL_S', async () => {
      const { user, email } = await signUp(server, uniqueEmail('login'))
      const response = await server.http.post('/authentication', { strategy: 'local', email, password: TEST_PASSWORD })
      assert.strictEqual(response.status, 201, JSON.stringify(response.data))
      assert.deepStrictEqual(Object.keys(response.data).sort(), ['accessToken', 'authentication', 'user'])
      assert.deepStrictEqual(response.data.user, user)
      assert.strictEqual(response.data.authentication.strategy, 'local')
      const payload = jsonwebtoken.decode(response.data.accessToken) as jsonwebtoken.JwtPayload
      assert.strictEqual(payload.sub, String(user.id))
      assert.strictEqual(payload.exp! - payload.iat!, 3600)
      assert.ok(!JSON.stringify(response.data).includes('password'))
    })

    it('a wrong password and an unknown email get the same 401 message', async () => {
      const { email } = await signUp(server, uniqueEmail('wrong'))
      const wrongPassword = await server.http.post('/authentication', {
        strategy: 'local',
        email,
        password: 'not the password'
      })
      const unknownEmail = await server.http.post('/authentication', {
        strategy: 'local',
        email: uniqueEmail('nobody'),
        password: TEST_PASSWORD
      })
      const localUser = await server.http.post('/authentication', {
        strategy: 'local',
        email: 'local@localhost',
        password: TEST_PASSWORD
      })
      const noPassword = await server.http.post('/authentication', { strategy: 'local', email })
      for (const response of [wrongPassword, unknownEmail, localUser, noPassword]) {
        assert.strictEqual(response.status, 401, JSON.stringify(response.data))
        assert.strictEqual(response.data.name, 'NotAuthenticated')
        assert.strictEqual(response.data.message, 'Invalid email or password')
      }
    })

    it('AUTH=off: a request without a token acts as the local user', async () => {
      const page = await server.http.get('/users')
      assert.strictEqual(page.status, 200)
      assert.strictEqual(page.data.total, 1)
      assert.strictEqual(page.data.data[0].email, 'local@localhost')
      assert.strictEqual((await server.http.post('/projects', { name: 'as the local user' })).status, 201)
    })

    it('AUTH=off: a valid token makes the request that user; a bad token is a 401', async () => {
      const { user, token } = await newUser(server, 'off-token')
      const page = await server.http.get('/users', bearer(token))
      assert.deepStrictEqual(page.data.data, [user])
      const bad = await server.http.get('/projects', bearer(`${token}x`))
      assert.strictEqual(bad.status, 401)
      assert.match(bad.data.message, /Invalid access token/)
    })

    it('users see only themselves: find lists the caller, another id is a 404, remove is not offered', async () => {
      const alice = await newUser(server, 'alice')
      const bob = await newUser(server, 'bob')
      const page = await server.http.get('/users', bearer(alice.token))
      assert.deepStrictEqual(page.data.data, [alice.user])
      const byEmail = await server.http.get(`/users?email=${encodeURIComponent(bob.email)}`, bearer(alice.token))
      assert.deepStrictEqual(byEmail.data.data, [])
      assert.strictEqual((await server.http.get(`/users/${alice.user.id}`, bearer(alice.token))).status, 200)
      assert.strictEqual((await server.http.get(`/users/${bob.user.id}`, bearer(alice.token))).status, 404)
      assert.strictEqual(
        (await server.http.patch(`/users/${bob.user.id}`, { password: 'taken over!' }, bearer(alice.token))).status,
        404
      )
      assert.strictEqual((await server.http.delete(`/users/${alice.user.id}`, bearer(alice.token))).status, 405)
      assert.strictEqual((await server.http.delete(`/users/${bob.user.id}`, bearer(alice.token))).status, 405)
    })

    it('PATCH /users/:self changes the password (and refuses a taken email with 409)', async () => {
      const carol = await newUser(server, 'carol')
      const other = await signUp(server, uniqueEmail('other'))
      const patched = await server.http.patch(
        `/users/${carol.user.id}`,
        { password: 'a brand new password' },
        bearer(carol.token)
      )
      assert.strictEqual(patched.status, 200, JSON.stringify(patched.data))
      assert.deepStrictEqual(patched.data, carol.user)
      await logIn(server, carol.email, 'a brand new password')
      const failed = await server.http.post('/authentication', {
        strategy: 'local',
        email: carol.email,
        password: TEST_PASSWORD
      })
      assert.strictEqual(failed.status, 401)
      const taken = await server.http.patch(`/users/${carol.user.id}`, { email: other.email }, bearer(carol.token))
      assert.strictEqual(taken.status, 409)
    })

    it('users events reach no socket (no email or hash is ever broadcast)', async () => {
      const socket = await connected(server.socket())
      const events = recordEvents(socket)
      const { user, token } = await newUser(server, 'quiet')
      await server.http.patch(`/users/${user.id}`, { password: 'another password' }, bearer(token))
      await sleep(200)
      assert.deepStrictEqual(
        events.filter((event) => event.event.startsWith('users')),
        []
      )
    })

    it('AUTH=off sockets: without a token the local user, with a handshake token that user', async () => {
      const local = await connected(server.socket())
      const { result } = await call(local, 'find', 'users', {})
      assert.strictEqual(result.data[0].email, 'local@localhost')

      const { user, token } = await newUser(server, 'socket-off')
      const named = await connected(server.socket({ auth: { token } }))
      assert.deepStrictEqual((await call(named, 'find', 'users', {})).result.data, [user])

      const bad = server.socket({ auth: { token: 'not-a-token' }, reconnection: false })
      assert.match((await connectError(bad)).message, /Invalid access token/)
    })
  })

  describe('AUTH_SIGNUP=closed', () => {
    it('POST /users answers 403', async () => {
      const server = await startTestServer({ ...REQUIRED, authSignup: 'closed' })
      try {
        const response = await server.http.post('/users', { email: uniqueEmail('closed'), password: TEST_PASSWORD })
        assert.strictEqual(response.status, 403)
        assert.match(response.data.message, /AUTH_SIGNUP=closed/)
      } finally {
        await server.stop()
      }
    })
  })

  describe('AUTH=required', () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer(REQUIRED)
    })
    after(() => server.stop())

    it('no token: 401 with a message that says what to send, on every route but sign-up and login', async () => {
      for (const [method, url] of [
        ['get', '/projects'],
        ['post', '/projects'],
        ['get', '/messages'],
        ['get', '/connections'],
        ['get', '/users'],
        ['get', '/test-runs']
      ] as const) {
        const response = await server.http.request({ method, url, data: method === 'post' ? { name: 'x' } : undefined })
        assert.strictEqual(response.status, 401, `${method} ${url}: ${response.status}`)
        assert.match(response.data.message, /Authorization: Bearer/)
      }
      assert.strictEqual((await server.app.get('dbClient')('projects').where({ name: 'x' })).length, 0)
    })

    it('bad tokens are 401: garbage, another secret, expired, not a Bearer', async () => {
      const { user } = await signUp(server, uniqueEmail('bad-token'))
      const options = {
        algorithm: 'HS256' as const,
        audience: 'vibecode-realtime',
        issuer: 'vibecode-realtime',
        subject: String(user.id)
      }
      const tokens = [
        'garbage',
        jsonwebtoken.sign({}, 'another-secret-that-is-long-enough-0123456789', { ...options, expiresIn: 60 }),
        jsonwebtoken.sign({ exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, options),
        jsonwebtoken.sign({}, SECRET, { ...options, audience: 'someone-else', expiresIn: 60 })
      ]
      for (const token of tokens) {
        const response = await server.http.get('/projects', bearer(token))
        assert.strictEqual(response.status, 401, token)
        assert.match(response.data.message, /Invalid access token/)
      }
      const basic = await server.http.get('/projects', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } })
      assert.strictEqual(basic.status, 401)
    })

    it('a valid token: 200, and params.user is the token user', async () => {
      const { user, token } = await newUser(server, 'valid')
      assert.strictEqual((await server.http.get('/projects', bearer(token))).status, 200)
      assert.strictEqual((await server.http.post('/projects', { name: 'mine' }, bearer(token))).status, 201)
      assert.deepStrictEqual((await server.http.get('/users', bearer(token))).data.data, [user])
    })

    it('a token of a user that no longer exists is a 401', async () => {
      const { user, token } = await newUser(server, 'gone')
      await server.app.get('dbClient')('users').where({ id: user.id }).delete()
      const response = await server.http.get('/projects', bearer(token))
      assert.strictEqual(response.status, 401)
      assert.match(response.data.message, /no longer exists/)
    })

    it('socket handshake auth.token: the socket acts as that user', async () => {
      const { user, token } = await newUser(server, 'socket')
      const socket = await connected(server.socket({ auth: { token } }))
      assert.deepStrictEqual((await call(socket, 'find', 'users', {})).result.data, [user])
      assert.strictEqual(
        (await call(socket, 'create', 'projects', { name: 'over the socket' })).result.name,
        'over the socket'
      )
    })

    it('a bad handshake token: connect_error with a clear message', async () => {
      const expired = jsonwebtoken.sign({ exp: Math.floor(Date.now() / 1000) - 10 }, SECRET, {
        algorithm: 'HS256',
        audience: 'vibecode-realtime',
        issuer: 'vibecode-realtime',
        subject: '1'
      })
      for (const [token, message] of [
        ['garbage', /Invalid access token: jwt malformed/],
        [expired, /Invalid access token: jwt expired/],
        [42, /auth\.token must be a string/]
      ] as const) {
        const socket = server.socket({ auth: { token }, reconnection: false })
        assert.match((await connectError(socket)).message, message)
      }
    })

    it('no handshake token: connected but anonymous; in-band create authentication identifies the socket', async () => {
      const socket = await connected(server.socket())
      const anonymous = await call(socket, 'find', 'projects', {})
      assert.strictEqual(anonymous.error?.code, 401)
      assert.match(anonymous.error.message, /auth: \{token/)
      assert.strictEqual((await call(socket, 'create', 'subscriptions', { project_id: 1 })).error?.code, 401)

      const { user, token } = await newUser(server, 'in-band')
      const login = await call(socket, 'create', 'authentication', { strategy: 'jwt', accessToken: token })
      assert.ifError(login.error)
      assert.deepStrictEqual(login.result.user, user)
      assert.deepStrictEqual((await call(socket, 'find', 'users', {})).result.data, [user])

      // Logging out makes it anonymous again.
      assert.ifError((await call(socket, 'remove', 'authentication', token)).error)
      assert.strictEqual((await call(socket, 'find', 'projects', {})).error?.code, 401)
    })

    it('in-band login with email and password works over the socket too', async () => {
      const { user, email } = await signUp(server, uniqueEmail('socket-local'))
      const socket = await connected(server.socket())
      const login = await call(socket, 'create', 'authentication', {
        strategy: 'local',
        email,
        password: TEST_PASSWORD
      })
      assert.ifError(login.error)
      assert.deepStrictEqual((await call(socket, 'find', 'users', {})).result.data, [user])
    })
  })

  describe('platform tokens (AUTH_JWT_PUBLIC_KEY)', () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const stranger = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString()
    const platformToken = (
      sub: string,
      claims: object = {},
      key: crypto.KeyObject = rsa.privateKey,
      options: jsonwebtoken.SignOptions = {}
    ) =>
      jsonwebtoken.sign(claims, key.export({ type: 'pkcs8', format: 'pem' }).toString(), {
        algorithm: 'RS256',
        subject: sub,
        expiresIn: 600,
        ...options
      })
    let server: TestServer
    before(async () => {
      server = await startTestServer({ ...REQUIRED, authJwtPublicKey: publicPem })
    })
    after(() => server.stop())

    it('accepted as a Bearer token; the user is created on first sight and found after', async () => {
      const sub = `platform-${crypto.randomUUID()}`
      const email = uniqueEmail('platform')
      const token = platformToken(sub, { email })
      const first = await server.http.get('/users', bearer(token))
      assert.strictEqual(first.status, 200, JSON.stringify(first.data))
      const [user] = first.data.data
      assert.strictEqual(user.email, email)
      assert.deepStrictEqual(Object.keys(user).sort(), ['created_at', 'email', 'id'])
      const row = await server.app.get('dbClient')('users').where({ id: user.id }).first()
      assert.strictEqual(row.external_id, sub)
      assert.strictEqual(row.password_hash, null)
      const again = await server.http.get('/users', bearer(platformToken(sub)))
      assert.deepStrictEqual(again.data.data, [user])
      assert.strictEqual((await server.app.get('dbClient')('users').where({ external_id: sub })).length, 1)
    })

    it('refused: another key, no exp, no sub, and HS256 signed with the public key (algorithm confusion)', async () => {
      const sub = `platform-${crypto.randomUUID()}`
      const tokens = [
        platformToken(sub, {}, stranger.privateKey),
        jsonwebtoken.sign({ sub }, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
          algorithm: 'RS256'
        }),
        jsonwebtoken.sign({}, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
          algorithm: 'RS256',
          expiresIn: 600
        }),
        forgeHs256(publicPem, { sub, exp: Math.floor(Date.now() / 1000) + 600 })
      ]
      for (const token of tokens) {
        const response = await server.http.get('/projects', bearer(token))
        assert.strictEqual(response.status, 401, JSON.stringify(response.data))
      }
      assert.strictEqual((await server.app.get('dbClient')('users').where({ external_id: sub })).length, 0)
    })

    it('a platform user with an email a local account already has is created without it (no merge)', async () => {
      const { email } = await signUp(server, uniqueEmail('squatted'))
      const response = await server.http.get(
        '/users',
        bearer(platformToken(`platform-${crypto.randomUUID()}`, { email }))
      )
      assert.strictEqual(response.status, 200)
      assert.strictEqual(response.data.data[0].email, null)
    })

    it('works in the socket handshake and in-band', async () => {
      const sub = `platform-${crypto.randomUUID()}`
      const socket = await connected(server.socket({ auth: { token: platformToken(sub) } }))
      const { result } = await call(socket, 'find', 'users', {})
      assert.strictEqual(result.total, 1)
      const other = await connected(server.socket())
      assert.ifError(
        (await call(other, 'create', 'authentication', { strategy: 'jwt', accessToken: platformToken(sub) })).error
      )
      assert.deepStrictEqual((await call(other, 'find', 'users', {})).result.data, result.data)
      const wrongKey = server.socket({
        auth: { token: platformToken(sub, {}, stranger.privateKey) },
        reconnection: false
      })
      assert.match((await connectError(wrongKey)).message, /Invalid platform token: invalid signature/)
    })

    it('an EC P-256 key verifies ES256 tokens', async () => {
      const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      const ecServer = await startTestServer({
        ...REQUIRED,
        authJwtPublicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()
      })
      try {
        const token = jsonwebtoken.sign({}, ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
          algorithm: 'ES256',
          subject: `platform-${crypto.randomUUID()}`,
          expiresIn: 600
        })
        assert.strictEqual((await ecServer.http.get('/users', bearer(token))).status, 200)
      } finally {
        await ecServer.stop()
      }
    })
  })

  describe('configuration refusals', () => {
    const refusal = (overrides: Record<string, unknown>) => {
      try {
        createApp({ port: 0, ...overrides } as Partial<Configuration>)
      } catch (error) {
        assert.ok(error instanceof ConfigurationError, String(error))
        return error.message
      }
      assert.fail('the app was created')
    }

    it('AUTH=required without AUTH_SECRET, or with a short one', () => {
      assert.match(
        refusal({ auth: 'required' }),
        /authSecret \(AUTH_SECRET\) must be set when AUTH=required: at least 32 characters/
      )
      const short = refusal({ auth: 'required', authSecret: 'too-short-secret' })
      assert.match(short, /authSecret \(AUTH_SECRET\) must NOT have fewer than 32 characters \(got 16\)/)
      assert.ok(!short.includes('too-short-secret'), 'the secret is not echoed')
    })

    it('protected mode: AUTH=off with a non-loopback HOST, naming HOST and AUTH and what to set', async () => {
      for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
        const message = refusal({ host })
        assert.match(message, new RegExp(`HOST=${host.replace(/\./g, '\\.')} is not a loopback address`))
        assert.match(message, /AUTH=off/)
        assert.match(message, /set AUTH=required \(with AUTH_SECRET/)
        assert.match(message, /HOST=127\.0\.0\.1/)
      }
      for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2']) await createApp({ port: 0, host }).teardown()
      // With authentication a public interface is fine.
      await createApp({ port: 0, host: '0.0.0.0', ...REQUIRED }).teardown()
    })

    it('a bad AUTH, AUTH_SIGNUP or AUTH_JWT_PUBLIC_KEY', () => {
      assert.match(refusal({ auth: 'maybe' }), /auth \(AUTH\) must be one of off, required, got "maybe"/)
      assert.match(refusal({ authSignup: 'sometimes' }), /authSignup \(AUTH_SIGNUP\) must be one of open, closed/)
      assert.match(
        refusal({ authJwtPublicKey: 'not a key' }),
        /authJwtPublicKey \(AUTH_JWT_PUBLIC_KEY\) must be a PEM public key/
      )
      const ed = crypto.generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()
      assert.match(refusal({ authJwtPublicKey: ed }), /ed25519/)
    })

    it('npm start refuses protected-mode violations and says which mode runs', async function () {
      this.timeout(60_000)
      const [refused, started] = await Promise.all([
        runIndex({ HOST: '0.0.0.0' }),
        runIndex({ AUTH: 'required', AUTH_SECRET: SECRET }, /access: .*\n/)
      ])
      assert.strictEqual(refused.code, 1)
      assert.match(refused.output, /Invalid configuration/)
      assert.match(refused.output, /HOST=0\.0\.0\.0 is not a loopback address/)
      assert.match(started.output, /listening on http:\/\/127\.0\.0\.1:\d+/)
      assert.match(started.output, /access: AUTH=required, every call needs a token/)
    })
  })

  describe('CORS and Origin', () => {
    let server: TestServer
    before(async () => {
      server = await startTestServer()
    })
    after(() => server.stop())

    const preflight = (origin: string) =>
      server.http.options('/projects', { headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } })

    it('a foreign origin gets no grant: preflight, GET and a form POST are refused', async () => {
      const before = (await server.app.get('dbClient')('projects').count({ n: '*' }))[0].n
      for (const response of [
        await preflight('http://evil.example'),
        await server.http.get('/projects', { headers: { Origin: 'http://evil.example' } }),
        await server.http.post('/projects', 'name=x', {
          headers: { Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' }
        }),
        await server.http.get('/projects', { headers: { Origin: 'http://localhost.evil.example:8000' } }),
        await server.http.get('/projects', { headers: { Origin: 'null' } })
      ]) {
        assert.strictEqual(response.headers['access-control-allow-origin'], undefined)
        assert.strictEqual(response.status, 403)
      }
      assert.strictEqual((await server.app.get('dbClient')('projects').count({ n: '*' }))[0].n, before)
    })

    it('loopback origins, any port, are granted', async () => {
      for (const origin of [
        'http://localhost:5173',
        'http://127.0.0.1:3000',
        'http://[::1]:8080',
        'http://localhost'
      ]) {
        const response = await preflight(origin)
        assert.strictEqual(response.headers['access-control-allow-origin'], origin, origin)
        const get = await server.http.get('/projects', { headers: { Origin: origin } })
        assert.strictEqual(get.status, 200)
        assert.strictEqual(get.headers['access-control-allow-origin'], origin)
      }
    })

    it('a foreign origin cannot open a socket', async () => {
      const socket = server.socket({ extraHeaders: { Origin: 'http://evil.example' }, reconnection: false })
      await connectError(socket)
      const allowed = server.socket({ extraHeaders: { Origin: 'http://localhost:5173' } })
      await connected(allowed)
    })

    it('AUTH=off answers only requests addressed to this machine (DNS rebinding)', async () => {
      const rebound = await server.http.get('/projects', { headers: { Host: `evil.example:${server.port}` } })
      assert.strictEqual(rebound.status, 403)
      assert.match(rebound.data.message, /Host evil\.example/)
      assert.strictEqual(
        (await server.http.get('/projects', { headers: { Host: `localhost:${server.port}` } })).status,
        200
      )
    })

    it('CORS_ORIGINS replaces the defaults; "*" only when configured', async () => {
      const custom = await startTestServer({ origins: ['https://app.example'] })
      try {
        const ok = await custom.http.get('/projects', { headers: { Origin: 'https://app.example' } })
        assert.strictEqual(ok.headers['access-control-allow-origin'], 'https://app.example')
        assert.strictEqual(
          (await custom.http.get('/projects', { headers: { Origin: 'http://localhost:5173' } })).status,
          403
        )
        // Its host name may address this machine too.
        assert.strictEqual((await custom.http.get('/projects', { headers: { Host: 'app.example' } })).status, 200)
      } finally {
        await custom.stop()
      }
    })

    it('originAllowed and hostAllowed', () => {
      const defaults = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*']
      assert.strictEqual(originAllowed(undefined, defaults), true)
      assert.strictEqual(originAllowed('', defaults), true)
      assert.strictEqual(originAllowed('http://localhost:5173', defaults), true)
      assert.strictEqual(originAllowed('HTTP://LOCALHOST:5173', defaults), true)
      assert.strictEqual(originAllowed('http://localhost', defaults), true)
      assert.strictEqual(originAllowed('https://localhost:5173', defaults), false)
      assert.strictEqual(originAllowed('http://localhost:5173.evil.example', defaults), false)
      assert.strictEqual(originAllowed('http://localhost:abc', defaults), false)
      assert.strictEqual(originAllowed('http://evil.example', defaults), false)
      assert.strictEqual(originAllowed('null', defaults), false)
      assert.strictEqual(originAllowed('http://evil.example', ['*']), true)
      assert.strictEqual(originAllowed('https://app.example', ['https://app.example/']), true)
      assert.strictEqual(originAllowed('https://app.example:8443', ['https://app.example']), false)
      assert.strictEqual(hostAllowed('localhost:8000', defaults), true)
      assert.strictEqual(hostAllowed('[::1]:8000', defaults), true)
      assert.strictEqual(hostAllowed('127.0.0.1', defaults), true)
      assert.strictEqual(hostAllowed('evil.example:8000', defaults), false)
      assert.strictEqual(hostAllowed('app.example:8000', ['https://app.example']), true)
    })
  })
})

/** An HS256 token whose HMAC key is the platform's public key: the classic algorithm confusion. */
function forgeHs256(publicPem: string, payload: object) {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`
  return `${unsigned}.${crypto.createHmac('sha256', publicPem).update(unsigned).digest('base64url')}`
}

/** Runs src/index.ts (as npm start does) until it exits, or until its output matches `until`. */
function runIndex(env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: path.join(__dirname, '..'),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        // config/test.json silences the log, whose start-up lines these tests read.
        LOG_LEVEL: 'info',
        DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite::memory:',
        ...env
      },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`src/index.ts did not finish:\n${output}`))
    }, 50_000)
    const collect = (chunk: Buffer) => {
      output += chunk
      if (until && until.test(output)) child.kill('SIGTERM')
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })
}
