// A web page on a foreign origin, in headless Chromium, against a server with the default settings
// (AUTH=off, loopback origins only): it cannot read a REST answer, cannot create a project with a
// request that needs no preflight (text/plain, a form's urlencoded body), and cannot open a socket
// (polling or WebSocket). The same page served from an allowed origin (http://localhost:<port>)
// can do all of it, so the test tells the two apart.
//
// The foreign origin is a host name Chromium resolves to 127.0.0.1 (--host-resolver-rules), as a
// DNS-rebinding or a local-network page would: its requests reach the server, which refuses them.
// The page, and the socket.io client bundle it loads, come from an HTTP server of the test's own
// on another port. `npm run test:browser`.
import assert from 'assert'
import fs from 'fs'
import http from 'http'
import type { AddressInfo } from 'net'
import type { Browser, Page } from 'playwright-core'
import { startTestServer } from '../helpers'
import type { TestServer } from '../helpers'
import { launchChromium } from './chromium'

const FOREIGN_HOST = 'evil.example'

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>a page</title><script src="/socket.io.js"></script></head>
<body><p>Nothing to see.</p></body></html>`

/** The page's own server: the page at `/`, socket.io-client's browser bundle at `/socket.io.js`. */
async function startPageServer() {
  const bundle = fs.readFileSync(require.resolve('socket.io-client/dist/socket.io.js'))
  const server = http.createServer((request, response) => {
    if (request.url === '/socket.io.js') {
      response.writeHead(200, { 'content-type': 'application/javascript' })
      response.end(bundle)
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(PAGE)
    } else {
      response.writeHead(404)
      response.end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

interface Attempt {
  status?: number
  body?: any
  error?: string
}

/** What the page's fetch sees of GET /projects and of two POSTs that need no preflight. */
function restFromPage(page: Page, api: string) {
  return page.evaluate(async (api: string) => {
    const attempt = async (init?: RequestInit): Promise<Attempt> => {
      try {
        const response = await fetch(`${api}/projects`, init)
        return { status: response.status, body: await response.text() }
      } catch (error) {
        return { error: String(error) }
      }
    }
    return {
      get: await attempt(),
      textPlain: await attempt({
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ name: 'text/plain from the page' })
      }),
      form: await attempt({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=form+from+the+page'
      })
    }
  }, api)
}

/** A socket.io connection from the page over `transports`: connected, or the connect_error's message. */
function socketFromPage(page: Page, api: string, transports: string[]) {
  return page.evaluate(
    ({ api, transports }) =>
      new Promise<{ connected: boolean; error?: string }>((resolve) => {
        const socket = (window as any).io(api, { transports, reconnection: false, timeout: 5000 })
        socket.on('connect', () => {
          socket.disconnect()
          resolve({ connected: true })
        })
        socket.on('connect_error', (error: Error) => resolve({ connected: false, error: error.message }))
      }),
    { api, transports }
  )
}

describe('a page on a foreign origin, in a browser', function () {
  this.timeout(60_000)
  let server: TestServer
  let pages: Awaited<ReturnType<typeof startPageServer>>
  let browser: Browser
  // What the server answered, from its own request log and engine.io's refused handshakes.
  const answered: { method: string; path: string; status: number }[] = []
  const refusedHandshakes: { code: number; message: string }[] = []

  before(async () => {
    // FOREIGN_HOST resolves to 127.0.0.1, so its requests reach the server.
    browser = await launchChromium([`--host-resolver-rules=MAP ${FOREIGN_HOST} 127.0.0.1`])
    pages = await startPageServer()
    // The default origins and AUTH=off (whatever TEST_AUTH says): loopback pages are allowed.
    server = await startTestServer({
      auth: 'off',
      logLevel: 'info',
      logDestination: { write: (line: string) => answered.push(JSON.parse(line)) }
    })
    server.app.io.engine.on('connection_error', (error: { code: number; message: string }) =>
      refusedHandshakes.push({ code: error.code, message: error.message })
    )
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
    await new Promise((resolve) => pages?.server.close(resolve))
  })

  const projectCount = async () => {
    const response = await server.http.get('/projects', { params: { $limit: 0 } })
    assert.strictEqual(response.status, 200)
    return response.data.total as number
  }
  const restAnswers = () => answered.filter((line) => line.path === '/projects').map((l) => `${l.method} ${l.status}`)

  async function openPage(host: string) {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(String(error)))
    await page.goto(`http://${host}:${pages.port}/`)
    assert.strictEqual(await page.evaluate(() => location.origin), `http://${host}:${pages.port}`)
    assert.strictEqual(await page.evaluate(() => typeof (window as any).io), 'function')
    return { page, errors }
  }

  it(`http://${FOREIGN_HOST}: REST answers are unreadable, nothing is created, no socket connects`, async () => {
    const before = await projectCount()
    const { page, errors } = await openPage(FOREIGN_HOST)
    answered.length = 0

    const rest = await restFromPage(page, server.url)
    // Every fetch fails in the page: no CORS grant, so no status and no body to read.
    for (const [name, attempt] of Object.entries(rest)) {
      assert.strictEqual(attempt.status, undefined, `${name}: ${JSON.stringify(attempt)}`)
      assert.match(attempt.error ?? '', /TypeError: Failed to fetch/, name)
    }
    // The requests did reach the server (the name resolves to 127.0.0.1), which refused each one.
    assert.deepStrictEqual(restAnswers(), ['GET 403', 'POST 403', 'POST 403'])
    assert.strictEqual(await projectCount(), before, 'no project created by a request without preflight')

    for (const transports of [['polling', 'websocket'], ['websocket']]) {
      const handshakes = refusedHandshakes.length
      const socket = await socketFromPage(page, server.url, transports)
      assert.strictEqual(socket.connected, false, transports.join())
      assert.ok(socket.error, `connect_error over ${transports.join()}`)
      // Refused by the server's allowRequest (engine.io: 4 Forbidden), not lost on the way.
      assert.ok(refusedHandshakes.length > handshakes, `the server refused the handshake over ${transports[0]}`)
      assert.deepStrictEqual(
        new Set(refusedHandshakes.slice(handshakes).map((e) => e.code)),
        new Set([4]),
        JSON.stringify(refusedHandshakes)
      )
    }
    assert.strictEqual(server.app.io.of('/').sockets.size, 0, 'no socket connected')
    assert.deepStrictEqual(errors, [])
    await page.close()
  })

  it('http://localhost (an allowed origin): the same page reads answers, creates a project, connects', async () => {
    const before = await projectCount()
    const { page, errors } = await openPage('localhost')
    answered.length = 0
    const handshakes = refusedHandshakes.length

    const rest = await restFromPage(page, server.url)
    assert.strictEqual(rest.get.status, 200, JSON.stringify(rest.get))
    assert.strictEqual(JSON.parse(rest.get.body).total, before)
    // text/plain is not JSON to the server (400, readable); a form's body is: the project is made.
    assert.strictEqual(rest.textPlain.status, 400, JSON.stringify(rest.textPlain))
    assert.strictEqual(rest.form.status, 201, JSON.stringify(rest.form))
    assert.strictEqual(JSON.parse(rest.form.body).name, 'form from the page')
    assert.deepStrictEqual(restAnswers(), ['GET 200', 'POST 400', 'POST 201'])
    assert.strictEqual(await projectCount(), before + 1)

    for (const transports of [['polling', 'websocket'], ['websocket']])
      assert.deepStrictEqual(await socketFromPage(page, server.url, transports), { connected: true }, transports.join())
    assert.strictEqual(refusedHandshakes.length, handshakes, JSON.stringify(refusedHandshakes))
    assert.deepStrictEqual(errors, [])
    await page.close()
  })
})
