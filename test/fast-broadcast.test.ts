// The room broadcast fast path (src/realtime/fast-broadcast.ts): a broadcast's pre-built websocket
// frame is written straight to each idle websocket; everything else takes engine.io's normal path.
// Real server, real socket.io clients: per-socket order with both paths interleaved, polling and
// upgrading clients, a socket with a backlog, broadcast acks, engine.io's ping/pong, and the
// slow-consumer bounds (bytes and age) for frames that went the fast way.
import assert from 'assert'
import type { Socket } from 'socket.io-client'
import WebSocket from 'ws'
import { fastBroadcastStats, idleWebsocket } from '../src/realtime/fast-broadcast'
import { projectRoom } from '../src/realtime/rooms'
import { connected, createProject, sleep, startTestServer, subscribe, until } from './helpers'
import type { TestServer } from './helpers'

// The broadcasts: a catalog event (test_output, live-only) numbered by its run_id, padded by its lines.
const EVENT = 'test_output'

/** The number (run_id) of every EVENT a socket receives, in order. */
function received(socket: Socket) {
  const seen: number[] = []
  socket.on(EVENT, (payload: { run_id: number }) => seen.push(payload.run_id))
  return seen
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i)
const counts = () => ({ ...fastBroadcastStats })
const since = (before: { fast: number; normal: number }) => ({
  fast: fastBroadcastStats.fast - before.fast,
  normal: fastBroadcastStats.normal - before.normal
})

/** The client's TCP socket (socket.io-client over ws in Node): pausing it makes the server hold data. */
const tcpOf = (socket: Socket) => (socket.io.engine.transport as any).ws._socket as import('net').Socket

describe('fast room broadcasts', function () {
  this.timeout(60_000)
  let server: TestServer
  let room: string

  async function start(overrides = {}) {
    // No heartbeats or stream positions: the counts of fast and normal frames are the test's alone.
    server = await startTestServer({
      slowConsumerMaxBytes: 0,
      slowConsumerMaxMs: 0,
      heartbeatIntervalMs: 3_600_000,
      positionIntervalMs: 3_600_000,
      ...overrides
    })
    room = projectRoom((await createProject(server)).id)
  }

  async function client(options = {}) {
    const socket = await connected(server.socket(options))
    await subscribe(socket, Number(room.split(':')[1]))
    return socket
  }

  /**
   * A client speaking engine.io/socket.io by hand over a websocket (socket.io-client's acks to
   * server events are not part of the event contract the test tool checks): subscribes, then
   * answers every acked event with {n}.
   */
  async function rawClient(n: number) {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
    const frames: string[] = []
    ws.on('message', (data) => {
      const text = data.toString()
      frames.push(text)
      if (text === '2') ws.send('3')
      const acked = /^42(\d+)\[/.exec(text)
      if (acked) ws.send(`43${acked[1]}${JSON.stringify([{ n }])}`)
    })
    await until(() => frames.some((f) => f.startsWith('0{')), 'engine.io open')
    ws.send('40')
    await until(() => frames.some((f) => f.startsWith('40{')), 'namespace connected')
    ws.send(`420${JSON.stringify(['subscribe', { project_id: Number(room.split(':')[1]) }])}`)
    await until(() => frames.some((f) => f.startsWith('430[{"ok":true')), 'subscribed')
    return ws
  }

  const serverSocketOf = (socket: Socket) => server.app.io.of('/').sockets.get(socket.id!)!
  const event = (i: number, padding = '') => ({
    type: EVENT,
    project_id: Number(room.split(':')[1]),
    run_id: i,
    stream: 'stdout',
    lines: [padding]
  })
  const broadcast = (i: number, padding = '') => server.app.io.to(room).emit(EVENT, event(i, padding))

  afterEach(async () => {
    await server?.stop()
    server = undefined as unknown as TestServer
  })

  it('keeps each socket’s order with per-socket emits (normal path) and broadcasts (fast path) interleaved', async () => {
    await start()
    const [a, b] = [await client(), await client()]
    const seen = [received(a), received(b)]
    const before = counts()
    for (const i of range(300)) {
      // Per-socket emits never carry a pre-built frame: always engine.io's path, queued or not.
      if (i % 3 === 0) for (const socket of [a, b]) serverSocketOf(socket).emit(EVENT, event(i))
      else broadcast(i)
      // Sometimes let the writes complete (the next broadcast then finds idle sockets).
      if (i % 7 === 0) await sleep(1)
    }
    await until(() => seen.every((s) => s.length === 300), 'every event at both clients')
    for (const s of seen) assert.deepStrictEqual(s, range(300))
    const used = since(before)
    assert.ok(used.fast > 0, `some broadcasts went the fast way (${JSON.stringify(used)})`)
    assert.ok(used.normal > 0, `some broadcasts found a socket busy and queued (${JSON.stringify(used)})`)
  })

  it('a polling client gets every event beside websocket clients (which get them the fast way)', async () => {
    await start()
    const polling = await client({ transports: ['polling'] })
    const ws = await client()
    const seen = [received(polling), received(ws)]
    const before = counts()
    for (const i of range(50)) {
      broadcast(i)
      await sleep(2)
    }
    await until(() => seen.every((s) => s.length === 50), 'every event at both clients')
    for (const s of seen) assert.deepStrictEqual(s, range(50))
    assert.strictEqual(polling.io.engine.transport.name, 'polling')
    const used = since(before)
    assert.ok(used.normal >= 50, `the polling socket took the normal path each time (${JSON.stringify(used)})`)
    assert.ok(used.fast > 0, `the websocket one took the fast path (${JSON.stringify(used)})`)
  })

  it('a client upgrading from polling to websocket gets every event, in order, once', async () => {
    await start()
    // Subscribed over polling first; the upgrade is started by hand below, amid broadcasts.
    const socket = await client({ transports: ['polling', 'websocket'], upgrade: false })
    const seen = received(socket)
    const conn = serverSocketOf(socket).conn as any
    let i = 0
    let upgrading = 0
    conn.on('upgrading', () => {
      upgrading++
      assert.strictEqual(idleWebsocket(conn), undefined, 'nothing goes the fast way while upgrading')
      broadcast(i++)
    })
    conn.on('upgrade', () => broadcast(i++))
    const timer = setInterval(() => broadcast(i++), 2)
    await until(() => seen.length >= 5, 'events over polling')
    // engine.io-client's probe (what `upgrade: true` runs right after the handshake).
    ;(socket.io.engine as any)._probe('websocket')
    await until(() => socket.io.engine.transport.name === 'websocket', 'the upgrade')
    await sleep(50)
    clearInterval(timer)
    const before = counts()
    broadcast(i++)
    await until(() => seen.length === i, 'every event', 10_000)
    assert.deepStrictEqual(seen, range(i))
    assert.strictEqual(upgrading, 1)
    assert.strictEqual(since(before).fast, 1, 'once upgraded, its broadcasts go the fast way')
  })

  it('a socket with a backlog falls back to the normal path; its events arrive in order once it reads', async () => {
    await start()
    const socket = await client()
    const seen = received(socket)
    const conn = serverSocketOf(socket).conn as any
    const big = 'x'.repeat(1024 * 1024)
    tcpOf(socket).pause()
    const before = counts()
    let i = 0
    // Until the kernel's buffers are full and the server holds bytes for it.
    while (conn.transport.socket.bufferedAmount === 0 && i < 200) {
      broadcast(i++, big)
      await sleep(5)
    }
    assert.ok(conn.transport.socket.bufferedAmount > 0, 'the server holds bytes for the paused socket')
    assert.strictEqual(idleWebsocket(conn), undefined)
    const fastBefore = since(before).fast
    for (const _ of range(5)) broadcast(i++, big)
    assert.strictEqual(since(before).fast, fastBefore, 'no frame jumps the backlog')
    tcpOf(socket).resume()
    await until(() => seen.length === i, 'every event', 20_000)
    assert.deepStrictEqual(seen, range(i))
  })

  it('broadcast acks: every client’s answer comes back', async () => {
    await start()
    const clients = [await rawClient(0), await rawClient(1), await rawClient(2)]
    const before = counts()
    const answers = await server.app.io.to(room).timeout(5000).emitWithAck(EVENT, event(0))
    assert.deepStrictEqual(answers.map((answer: { n: number }) => answer.n).sort(), [0, 1, 2])
    assert.strictEqual(since(before).fast, 3)
    for (const ws of clients) ws.terminate()
  })

  it('engine.io pings and pongs go on between fast frames', async () => {
    await start()
    const engine = server.app.io.engine as any
    // Short heartbeat for the sockets created from here on (engine.io reads its options per ping).
    engine.opts.pingInterval = 50
    engine.opts.pingTimeout = 200
    const socket = await client()
    const seen = received(socket)
    let pings = 0
    socket.io.engine.on('ping', () => pings++)
    let disconnected = false
    socket.on('disconnect', () => (disconnected = true))
    const before = counts()
    for (const i of range(200)) {
      broadcast(i)
      await sleep(5)
    }
    await until(() => seen.length === 200, 'every event')
    assert.deepStrictEqual(seen, range(200))
    assert.ok(pings >= 5, `pings kept coming (${pings})`)
    assert.strictEqual(disconnected, false)
    assert.ok(since(before).fast > 0)
  })

  it('slow consumer, bytes: a paused reader is cut once fast and queued frames pass the limit', async () => {
    const maxBytes = 1024 * 1024
    await start({ slowConsumerMaxBytes: maxBytes, slowConsumerMaxMs: 60_000 })
    const reader = await client({ reconnection: false })
    const other = await client()
    const seen = received(other)
    const before = counts()
    tcpOf(reader).pause()
    const stats = server.app.realtime.slowConsumers.stats
    let i = 0
    while (stats.cut === 0 && i < 2000) {
      broadcast(i++, 'x'.repeat(50 * 1024))
      await sleep(2)
    }
    assert.strictEqual(stats.cut, 1)
    assert.strictEqual(stats.last?.bound, 'bytes')
    assert.ok(stats.last!.held_bytes <= maxBytes + 60 * 1024, `held ${stats.last!.held_bytes}`)
    assert.ok(since(before).fast > 0, 'frames went the fast way before the backlog')
    await until(() => seen.length === i, 'every event at the reading client')
    assert.deepStrictEqual(seen, range(i))
  })

  it('slow consumer, age: one fast frame the reader does not take is cut by age; a reader that takes it is not', async () => {
    // The reading client must take 16 MB within the age limit, on a loaded machine too.
    await start({ slowConsumerMaxBytes: 0, slowConsumerMaxMs: 1500 })
    const reader = await client({ reconnection: false })
    const other = await client()
    const seen = received(other)
    const readerId = serverSocketOf(reader).id
    tcpOf(reader).pause()
    const before = counts()
    // More than the loopback's buffers take for a reader that does not read, in one frame written the fast way to both.
    broadcast(0, 'x'.repeat(16 * 1024 * 1024))
    assert.strictEqual(since(before).fast, 2)
    const stats = server.app.realtime.slowConsumers.stats
    await until(() => stats.cut === 1, 'the cut', 10_000)
    assert.strictEqual(stats.last?.bound, 'age')
    assert.strictEqual(stats.last?.socket_id, readerId)
    await until(() => seen.length === 1, 'the frame at the reading client', 10_000)
    // Past the age limit: the reader that took it is still there.
    await sleep(2000)
    assert.strictEqual(stats.cut, 1)
    assert.ok(other.connected)
  })
})
