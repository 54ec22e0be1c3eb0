// The heartbeat: every interval, every connected socket gets the live connection count.
import assert from 'assert'
import { connected, recordEvents, sleep, startTestServer, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'
import type { Socket as ServerSocket } from 'socket.io'

describe('heartbeat', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer({ heartbeatIntervalMs: 100 })
  })
  afterEach(() => server.stop())

  /** A server of its own whose interval (a minute) never comes during the test: first heartbeats only. */
  async function onSlowServer(run: (slow: TestServer) => Promise<void>) {
    const slow = await startTestServer({ heartbeatIntervalMs: 60_000 })
    try {
      await run(slow)
    } finally {
      await slow.stop()
    }
  }

  it('sends every socket the connection count at the configured interval', async () => {
    const sockets = [server.socket(), server.socket({ transports: ['polling'] }), server.socket()]
    await Promise.all(sockets.map((socket) => connected(socket)))
    // Skip beats sent while the others were still connecting.
    await sleep(150)
    const recorded = sockets.map((socket) => recordEvents(socket))
    await sleep(450)

    for (const events of recorded) {
      const beats = events.filter((e) => e.event === 'heartbeat').map((e) => e.payload)
      assert.ok(beats.length >= 3 && beats.length <= 6, `got ${beats.length} beats in 450 ms at 100 ms`)
      for (const beat of beats) {
        assert.strictEqual(beat.type, 'heartbeat')
        assert.strictEqual(beat.connections, 3)
        assert.strictEqual(beat.instance_connections, 3)
        assert.strictEqual(beat.interval_ms, 100)
        assert.strictEqual(new Date(beat.timestamp).toISOString(), beat.timestamp)
        assert.ok(Math.abs(Date.parse(beat.timestamp) - Date.now()) < 5000)
      }
    }
  })

  it('follows the count down as sockets leave', async () => {
    const stay = await connected(server.socket())
    const leave = await connected(server.socket())
    await until(async () => (await waitForEvent(stay, 'heartbeat')).connections === 2, 'a beat counts 2')
    leave.disconnect()
    await until(async () => (await waitForEvent(stay, 'heartbeat')).connections === 1, 'a beat counts 1')
  })

  it('greets a new socket with a heartbeat right away', async () => {
    await onSlowServer(async (slow) => {
      const socket = slow.socket()
      const beat = await waitForEvent(socket, 'heartbeat', 2000)
      assert.strictEqual(beat.connections, 1)
      assert.strictEqual(beat.interval_ms, 60_000)
    })
  })

  it('sends a websocket its connect acknowledgement and first heartbeat in one write', async () => {
    await onSlowServer(async (slow) => {
      // The writes the server's TCP socket makes after engine.io's open packet: socket.io's
      // connect acknowledgement, then the first heartbeat (each write one system call).
      const writes: string[] = []
      slow.app.io.engine.on('connection', (conn: any) => {
        const tcp = conn.transport.socket._socket
        for (const method of ['_write', '_writev']) {
          const original = tcp[method]
          tcp[method] = function (...args: unknown[]) {
            writes.push(method)
            return original.apply(this, args)
          }
        }
      })
      const socket = slow.socket({ transports: ['websocket'] })
      const received: string[] = []
      socket.onAny((event) => received.push(event))
      socket.on('connect', () => received.push('connect'))
      await waitForEvent(socket, 'heartbeat', 2000)
      assert.deepStrictEqual(received, ['connect', 'heartbeat'])
      assert.deepStrictEqual(writes, ['_writev'], 'the acknowledgement and the heartbeat leave in one write')
    })
  })

  it("a socket's outgoing listeners (the Admin UI's view) hear its first heartbeat too", async () => {
    await onSlowServer(async (slow) => {
      // As @socket.io/admin-ui does: a listener put first on connection, watching what is sent.
      const sent: string[] = []
      slow.app.io
        .of('/')
        .prependListener('connection', (socket: ServerSocket) =>
          socket.onAnyOutgoing((event: string) => sent.push(event))
        )
      const socket = slow.socket({ transports: ['websocket'] })
      const received: string[] = []
      socket.onAny((event) => received.push(event))
      await waitForEvent(socket, 'heartbeat', 2000)
      await sleep(50)
      assert.deepStrictEqual(sent, ['heartbeat'])
      assert.deepStrictEqual(received, ['heartbeat'])
    })
  })

  it('stops with the app', async () => {
    const socket = await connected(server.socket())
    await waitForEvent(socket, 'heartbeat')
    assert.strictEqual(server.app.realtime.heartbeat.running, true)
    await server.app.teardown()
    assert.strictEqual(server.app.realtime.heartbeat.running, false)
    // stop() in afterEach must not fail on an app already torn down.
    server.stop = async () => undefined
  })
})
