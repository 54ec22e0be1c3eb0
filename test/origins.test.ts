// Browser pages of foreign origins, and DNS-rebinding pages (a foreign Host), reach no socket.
import assert from 'assert'
import type { TestServer } from './helpers'
import { startTestServer, waitForEvent } from './helpers'

describe('socket.io handshakes: Origin and Host', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.stop())

  it('refuses a handshake from a foreign origin, over WebSocket and polling', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const socket = server.socket({ transports, extraHeaders: { Origin: 'http://evil.example' }, reconnection: false })
      const error = await waitForEvent<Error>(socket, 'connect_error')
      assert.ok(error, `refused over ${transports[0]}`)
      assert.strictEqual(socket.connected, false)
    }
  })

  it('refuses a handshake naming a foreign Host with AUTH=off (DNS rebinding), accepts loopback ones', async () => {
    // The engine.io handshake itself, as a rebinding page's same-origin polling request sends it.
    const handshake = (host: string) =>
      server.http.get('/socket.io/', { params: { EIO: 4, transport: 'polling' }, headers: { Host: host } })
    const rebound = await handshake(`rebind.example:${server.port}`)
    assert.strictEqual(rebound.status, 403, JSON.stringify(rebound.data))
    const local = await handshake(`localhost:${server.port}`)
    assert.strictEqual(local.status, 200)
    assert.match(String(local.data), /"sid"/)
  })
})
