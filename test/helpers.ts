// Test helpers: start the real app on a free port, connect real socket.io clients, wait for events.
// Settings come from config/test.json (SQLite in memory) unless the environment says otherwise:
// `.ci/run` sets DATABASE_URL to PostgreSQL for its second run, and TEST_AUTH=required for a run
// of the suites as a signed-up, logged-in user (see testAuthOverrides below).
import http from 'http'
import { randomUUID } from 'crypto'
import axios from 'axios'
import type { AxiosInstance } from 'axios'
import { io as connect } from 'socket.io-client'
import type { ManagerOptions, Socket, SocketOptions } from 'socket.io-client'
import { createApp } from '../src/app'
import type { Application, Configuration } from '../src/declarations'
import { startServer } from '../src/http'

export interface TestServer {
  app: Application
  url: string
  port: number
  http: AxiosInstance
  /** Every socket made with `socket()`; closed by `stop()`. */
  sockets: Socket[]
  socket(options?: Partial<ManagerOptions & SocketOptions>): Socket
  stop(): Promise<void>
  /**
   * With TEST_AUTH=required (and no `auth` override): the user `http` and `socket()` act as, and
   * its token (sent by default as `Authorization: Bearer` and the handshake's `auth: {token}`).
   */
  token?: string
  user?: { id: number; email: string; created_at: string }
}

/**
 * TEST_AUTH=required runs the suites once more with AUTH=required (`npm run test:auth-required`):
 * the settings it adds. A test's own overrides win: one that sets `auth` itself gets none of this.
 * The secret is fixed and the identity one per process (below), so servers that share a database
 * or a port in one test (restarts) accept each other's tokens and see the same user; tokens live a
 * day (a suite takes minutes); the abuse limits are off, as with AUTH=off (the suites send bursts;
 * the limits have their own tests).
 */
export const TEST_AUTH_SECRET = 'test-auth-required-secret-of-at-least-32-characters'

export function testAuthOverrides(overrides: Partial<Configuration> = {}): Partial<Configuration> {
  if (process.env.TEST_AUTH !== 'required' || 'auth' in overrides) return {}
  return { auth: 'required', authSecret: TEST_AUTH_SECRET, authTokenTtlS: 86_400, rateLimits: 'off' }
}

// One identity per test process: signed up on each fresh database, logged in everywhere.
const TEST_AUTH_EMAIL = `test-auth-${randomUUID()}@example.test`

export async function startTestServer(overrides: Partial<Configuration> = {}): Promise<TestServer> {
  const authOverrides = testAuthOverrides(overrides)
  const app = createApp({ port: 0, host: '127.0.0.1', ...authOverrides, ...overrides })
  const server = await startServer(app)
  const address = server.address()
  if (!address || typeof address !== 'object') throw new Error('no address')
  const url = `http://127.0.0.1:${address.port}`
  const sockets: Socket[] = []
  // Statuses are asserted by the tests, so no status makes axios throw. No keep-alive: a test
  // that restarts a server on the same port must not get a pooled socket of the old one.
  const client = axios.create({
    baseURL: url,
    validateStatus: () => true,
    httpAgent: new http.Agent({ keepAlive: false })
  })
  let identity: { token: string; user: { id: number; email: string; created_at: string } } | undefined
  if (authOverrides.auth === 'required') {
    try {
      identity = await testIdentity(client)
    } catch (error) {
      await app.teardown()
      throw error
    }
    // Per-request headers (bearer(other)) still win over this default.
    client.defaults.headers.common.Authorization = `Bearer ${identity.token}`
  }
  const auth = identity ? { auth: { token: identity.token } } : {}
  return {
    app,
    url,
    port: address.port,
    http: client,
    sockets,
    socket(options = {}) {
      const socket = connect(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        ...auth,
        ...options
      })
      sockets.push(socket)
      return socket
    },
    ...(identity ? { token: identity.token, user: identity.user } : {}),
    async stop() {
      for (const socket of sockets) socket.disconnect()
      await app.teardown()
    }
  }
}

/** TEST_AUTH=required: sign up the process's user (already there on a shared database: 409), log in. */
async function testIdentity(client: AxiosInstance) {
  const credentials = { email: TEST_AUTH_EMAIL, password: TEST_PASSWORD }
  const signUp = await client.post('/users', credentials)
  if (signUp.status !== 201 && signUp.status !== 409)
    throw new Error(`TEST_AUTH=required: sign-up failed: ${signUp.status} ${JSON.stringify(signUp.data)}`)
  const login = await client.post('/authentication', { strategy: 'local', ...credentials })
  if (login.status !== 201)
    throw new Error(`TEST_AUTH=required: login failed: ${login.status} ${JSON.stringify(login.data)}`)
  return { token: login.data.accessToken as string, user: login.data.user }
}

// A socket, or its Manager (for 'reconnect'): both are typed emitters with their own event maps.
type Emitter = { once: (...args: any[]) => unknown; off: (...args: any[]) => unknown }

/** The next `event` on a socket (or on its Manager: 'reconnect'). */
export function waitForEvent<T = any>(socket: Emitter, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`))
    }, timeoutMs)
    const handler = (payload: T) => {
      clearTimeout(timer)
      resolve(payload)
    }
    socket.once(event, handler)
  })
}

export async function connected(socket: Socket, timeoutMs = 5000) {
  if (socket.connected) return socket
  await waitForEvent(socket, 'connect', timeoutMs)
  return socket
}

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await sleep(10)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`)
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Records every event a socket receives, in order. */
export function recordEvents(socket: Socket) {
  const events: { event: string; payload: any }[] = []
  socket.onAny((event, payload) => events.push({ event, payload }))
  return events
}

export async function createProject(server: TestServer, name = 'Test project') {
  const response = await server.http.post('/projects', { name })
  if (response.status !== 201)
    throw new Error(`project not created: ${response.status} ${JSON.stringify(response.data)}`)
  return response.data as { id: number; name: string }
}

export async function createSession(server: TestServer, projectId: number) {
  const response = await server.http.post(`/projects/${projectId}/sessions`)
  if (response.status !== 201)
    throw new Error(`session not created: ${response.status} ${JSON.stringify(response.data)}`)
  return response.data as { id: number; session_id: number; project_id: number }
}

export async function subscribe(socket: Socket, projectId: number | string) {
  const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId })
  if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack)}`)
  return ack
}

// Identities (src/auth). Emails are unique per call: on PostgreSQL every test server shares one
// database, so the users of earlier tests are still there.
export const uniqueEmail = (label = 'user') => `${label}-${randomUUID()}@example.test`

export const TEST_PASSWORD = 'correct horse battery staple'

/** Headers for a token: `server.http.get(path, bearer(token))`. */
export const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } })

/** POST /users; the new user with its email and password. */
export async function signUp(server: TestServer, email = uniqueEmail(), password = TEST_PASSWORD) {
  const response = await server.http.post('/users', { email, password })
  if (response.status !== 201) throw new Error(`user not created: ${response.status} ${JSON.stringify(response.data)}`)
  return { user: response.data as { id: number; email: string; created_at: string }, email, password }
}

/** POST /authentication with the local strategy: the access token. */
export async function logIn(server: TestServer, email: string, password = TEST_PASSWORD): Promise<string> {
  const response = await server.http.post('/authentication', { strategy: 'local', email, password })
  if (response.status !== 201) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.data)}`)
  return response.data.accessToken
}

/** A signed-up, logged-in user: its record and token. */
export async function newUser(server: TestServer, label = 'user') {
  const { user, email, password } = await signUp(server, uniqueEmail(label))
  return { user, email, password, token: await logIn(server, email, password) }
}

/** A Feathers call over a socket: `emit(method, path, ...args, callback)`, answered (error, result). */
export function serviceCall(
  socket: { emit: (...args: any[]) => unknown },
  method: string,
  servicePath: string,
  ...args: unknown[]
): Promise<{ error?: any; result?: any }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${method} ${servicePath}`)), 5000)
    socket.emit(method, servicePath, ...args, (error: any, result: any) => {
      clearTimeout(timer)
      resolve(error ? { error } : { result })
    })
  })
}
