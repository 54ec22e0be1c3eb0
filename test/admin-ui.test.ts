// The socket.io Admin UI (src/admin-ui, issue 9 item 4): off by default (no /admin namespace, no
// /admin-ui/ page); on with ADMIN_UI_USERNAME + ADMIN_UI_PASSWORD_HASH, the /admin namespace
// lets in the right password only, still behind the Origin check, without counting among the
// app's connections; the UI is served from the package with no CDN link.
import assert from 'assert'
import bcrypt from 'bcryptjs'
import { io as connect } from 'socket.io-client'
import type { Socket } from 'socket.io-client'
import {
  ConfigurationError,
  loadConfiguration,
  normalizeConfiguration,
  validateConfiguration
} from '../src/configuration'
import { connected, sleep, startTestServer, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

const USERNAME = 'admin'
const PASSWORD = 'a long admin password'
// Cost 4: the lowest bcrypt allows, so the suite stays fast (a deployment uses 12 or more).
const HASH = bcrypt.hashSync(PASSWORD, 4)

/** A socket to the admin namespace, as the Admin UI opens it. */
function adminSocket(server: TestServer, auth: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const socket = connect(`${server.url}/admin`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth,
    ...options
  })
  server.sockets.push(socket)
  return socket
}

/** Resolves with the connect_error's message; fails if the socket connects. */
function refusal(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, expected a refusal')))
    socket.once('connect_error', (error) => resolve(error.message))
  })
}

describe('socket.io Admin UI', function () {
  this.timeout(20_000)
  let server: TestServer
  afterEach(async () => {
    // Stopped once: the settings tests start no server of their own.
    const running = server as TestServer | undefined
    server = undefined as unknown as TestServer
    await running?.stop()
  })

  describe('off (the default)', () => {
    beforeEach(async () => {
      server = await startTestServer()
    })

    it('has no /admin namespace, even with credentials', async () => {
      const message = await refusal(adminSocket(server, { username: USERNAME, password: PASSWORD }))
      assert.strictEqual(message, 'Invalid namespace')
    })

    it('serves no UI', async () => {
      assert.strictEqual((await server.http.get('/admin-ui/')).status, 404)
      assert.strictEqual((await server.http.get('/admin-ui/js/chunk-vendors.934c03ff.js')).status, 404)
    })
  })

  describe('on (ADMIN_UI_USERNAME + ADMIN_UI_PASSWORD_HASH)', () => {
    beforeEach(async () => {
      server = await startTestServer({ adminUiUsername: USERNAME, adminUiPasswordHash: HASH, instanceId: 'admin-test' })
    })

    it('lets in the right username and password, with a session id and this server’s stats', async () => {
      const socket = adminSocket(server, { username: USERNAME, password: PASSWORD })
      const session = waitForEvent<string>(socket, 'session')
      const config = waitForEvent<{ supportedFeatures: string[] }>(socket, 'config')
      const stats = waitForEvent<{ serverId: string; namespaces: { name: string }[] }>(socket, 'server_stats', 5000)
      await connected(socket)
      const sessionId = await session
      assert.match(sessionId, /^[0-9a-f]{16}$/)
      // production mode: aggregated events, not every socket's every event.
      const { supportedFeatures } = await config
      assert.ok(supportedFeatures.includes('AGGREGATED_EVENTS'))
      assert.ok(!supportedFeatures.includes('ALL_EVENTS'))
      assert.ok(supportedFeatures.includes('DISCONNECT'))
      const { serverId, namespaces } = await stats
      assert.strictEqual(serverId, 'admin-test')
      assert.deepStrictEqual(namespaces.map((nsp) => nsp.name).sort(), ['/', '/admin'])

      // A reload of the UI comes back with its session id alone.
      await connected(adminSocket(server, { sessionId }))
    })

    it('refuses a wrong password, an unknown username, no credentials and an unknown session id', async () => {
      for (const auth of [
        { username: USERNAME, password: 'wrong password' },
        { username: 'root', password: PASSWORD },
        {},
        { sessionId: '0123456789abcdef' }
      ]) {
        assert.strictEqual(await refusal(adminSocket(server, auth)), 'invalid credentials', JSON.stringify(auth))
      }
    })

    it('still checks the Origin: a foreign page is refused unless CORS_ORIGINS has it', async () => {
      const hosted = { extraHeaders: { Origin: 'https://admin.socket.io' } }
      const message = await refusal(adminSocket(server, { username: USERNAME, password: PASSWORD }, hosted))
      assert.match(message, /websocket error|Origin or Host not allowed/)
      await server.stop()

      server = await startTestServer({
        adminUiUsername: USERNAME,
        adminUiPasswordHash: HASH,
        origins: ['http://localhost:*', 'https://admin.socket.io']
      })
      await connected(adminSocket(server, { username: USERNAME, password: PASSWORD }, hosted))
    })

    it('does not count admin sockets among the app’s connections', async () => {
      const app = await connected(server.socket())
      await connected(adminSocket(server, { username: USERNAME, password: PASSWORD }))
      await sleep(50)
      const { data } = await server.http.get('/connections')
      assert.strictEqual(data.active_connections, 1)
      const beat = await waitForEvent<{ connections: number }>(app, 'heartbeat')
      assert.strictEqual(beat.connections, 1)
    })

    it('serves the UI from the package, with no CDN link', async () => {
      const redirect = await server.http.get('/admin-ui', { maxRedirects: 0 })
      assert.strictEqual(redirect.status, 302)
      assert.strictEqual(String(redirect.headers.location), '/admin-ui/')

      const index = await server.http.get('/admin-ui/')
      assert.strictEqual(index.status, 200)
      assert.match(String(index.headers['content-type']), /^text\/html/)
      const html: string = index.data
      assert.match(html, /Socket\.IO Admin UI/)
      assert.doesNotMatch(html, /https?:\/\//, 'no external URL left in index.html')
      const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1])
      assert.ok(assets.includes('mdi/css/materialdesignicons.min.css'), assets.join(' '))
      for (const asset of assets) {
        const answer = await server.http.get(`/admin-ui/${asset}`, { responseType: 'arraybuffer' })
        assert.strictEqual(answer.status, 200, asset)
      }
      const font = await server.http.get('/admin-ui/mdi/fonts/materialdesignicons-webfont.woff2', {
        responseType: 'arraybuffer'
      })
      assert.strictEqual(font.status, 200)
      assert.strictEqual(font.headers['content-type'], 'font/woff2')
    })

    it('serves nothing outside the UI’s files', async () => {
      for (const path of [
        '/admin-ui/..%2fpackage.json',
        '/admin-ui/%2e%2e/%2e%2e/package.json',
        '/admin-ui/mdi/package.json',
        '/admin-ui/mdi/scripts/verify.js',
        '/admin-ui/nothing.js'
      ]) {
        assert.strictEqual((await server.http.get(path)).status, 404, path)
      }
    })
  })

  it('ADMIN_UI_READONLY=true: the UI may look, not act', async () => {
    server = await startTestServer({ adminUiUsername: USERNAME, adminUiPasswordHash: HASH, adminUiReadonly: true })
    const socket = adminSocket(server, { username: USERNAME, password: PASSWORD })
    const config = waitForEvent<{ supportedFeatures: string[] }>(socket, 'config')
    await connected(socket)
    assert.deepStrictEqual((await config).supportedFeatures, ['AGGREGATED_EVENTS'])
  })

  describe('settings', () => {
    const settings = (environment: Record<string, unknown>) =>
      validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), ...environment }))

    it('off unless both are set; a bad hash is named, not echoed', () => {
      const defaults = settings({})
      assert.strictEqual(defaults.adminUiUsername, undefined)
      assert.strictEqual(defaults.adminUiMode, 'production')
      assert.strictEqual(settings({ adminUiUsername: '', adminUiPasswordHash: '' }).adminUiUsername, undefined)
      assert.strictEqual(settings({ adminUiUsername: USERNAME, adminUiPasswordHash: HASH }).adminUiPasswordHash, HASH)
      assert.strictEqual(settings({ adminUiReadonly: 'true' }).adminUiReadonly, true)

      assert.throws(
        () => settings({ adminUiUsername: USERNAME }),
        /needs both ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH/
      )
      assert.throws(() => settings({ adminUiPasswordHash: HASH }), /only ADMIN_UI_PASSWORD_HASH is set/)
      assert.throws(
        () => settings({ adminUiUsername: USERNAME, adminUiPasswordHash: 'plain text password' }),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          /ADMIN_UI_PASSWORD_HASH\) must be a bcrypt hash/.test(error.message) &&
          !error.message.includes('plain text password')
      )
      assert.throws(
        () => settings({ adminUiMode: 'verbose' }),
        /ADMIN_UI_MODE\) must be one of production, development/
      )
    })
  })
})
