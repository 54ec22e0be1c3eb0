// Test helpers: start the real app on a free port, connect real socket.io clients, wait for events.
// Settings come from config/test.json (SQLite in memory) unless the environment says otherwise:
// `.ci/run` sets DATABASE_URL to PostgreSQL for its second run.
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
}

export async function startTestServer(overrides: Partial<Configuration> = {}): Promise<TestServer> {
  const app = createApp({ port: 0, host: '127.0.0.1', ...overrides })
  const server = await startServer(app)
  const address = server.address()
  if (!address || typeof address !== 'object') throw new Error('no address')
  const url = `http://127.0.0.1:${address.port}`
  const sockets: Socket[] = []
  return {
    app,
    url,
    port: address.port,
    // Statuses are asserted by the tests, so no status makes axios throw. No keep-alive: a test
    // that restarts a server on the same port must not get a pooled socket of the old one.
    http: axios.create({ baseURL: url, validateStatus: () => true, httpAgent: new http.Agent({ keepAlive: false }) }),
    sockets,
    socket(options = {}) {
      const socket = connect(url, { transports: ['websocket'], forceNew: true, reconnectionDelay: 50, ...options })
      sockets.push(socket)
      return socket
    },
    async stop() {
      for (const socket of sockets) socket.disconnect()
      await app.teardown()
    }
  }
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
