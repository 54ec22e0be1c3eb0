// Slow consumers (src/realtime/slow-consumers.ts): a client that stops reading is cut once the
// server holds more than SLOW_CONSUMER_MAX_BYTES for it (or its oldest unsent data is
// SLOW_CONSUMER_MAX_MS old); what the server holds never grows past the limit plus one event; other
// subscribers get every event; the cut client sees the reason in the websocket close frame, and a
// resume with `since` gives it everything it missed (paced, so the replay does not cut it again).
//
// The reader that never reads is a raw websocket speaking engine.io/socket.io by hand, its TCP
// socket paused (the kernel's buffers fill, then the server's); it keeps answering pings blindly.
import assert from 'assert'
import WebSocket from 'ws'
import type { Socket as ServerSocket } from 'socket.io'
import { createClient } from '../src/client'
import { normalizeConfiguration, validateConfiguration, loadConfiguration } from '../src/configuration'
import { SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON } from '../src/realtime/slow-consumers'
import { connected, createProject, sleep, startTestServer, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

const MAX_BYTES = 1024 * 1024
const EVENT_BYTES = 50 * 1024
const BIG_NAME = 'x'.repeat(EVENT_BYTES)
const quiet = { debug: () => undefined, warn: () => undefined }

/** A raw engine.io/socket.io client that subscribes, then stops reading (but answers pings). */
class RawReader {
  readonly ws: WebSocket
  readonly frames: string[] = []
  sid?: string
  closed?: { code: number; reason: string }
  private pongs?: NodeJS.Timeout

  constructor(port: number) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`)
    this.ws.on('message', (data) => {
      const text = data.toString()
      if (text === '2') this.ws.send('3')
      this.frames.push(text)
    })
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }))
    this.ws.on('error', () => undefined)
  }

  async subscribe(projectId: number) {
    await until(() => this.frames.some((f) => f.startsWith('0{')), 'engine.io open')
    this.ws.send('40')
    await until(() => this.frames.some((f) => f.startsWith('40{')), 'namespace connected')
    this.sid = JSON.parse(this.frames.find((f) => f.startsWith('40{'))!.slice(2)).sid
    this.ws.send(`420${JSON.stringify(['subscribe', { project_id: projectId }])}`)
    await until(() => this.frames.some((f) => f.startsWith('430')), 'subscribe ack')
    return JSON.parse(this.frames.find((f) => f.startsWith('430'))!.slice(3))[0]
  }

  /** Stops reading; keeps the server's heartbeat happy with unsolicited pongs. */
  pause() {
    ;(this.ws as any)._socket.pause()
    this.pongs = setInterval(() => this.ws.readyState === WebSocket.OPEN && this.ws.send('3'), 500)
  }

  resume() {
    clearInterval(this.pongs)
    ;(this.ws as any)._socket.resume()
  }

  /** seqs of the project events read so far. */
  seqs() {
    return this.frames
      .filter((f) => f.startsWith('42['))
      .map((f) => JSON.parse(f.slice(2))[1]?.seq)
      .filter((seq): seq is number => typeof seq === 'number')
  }

  close() {
    clearInterval(this.pongs)
    this.ws.terminate()
  }
}

function serverSocket(server: TestServer, sid: string) {
  const socket = server.app.io.of('/').sockets.get(sid) as ServerSocket | undefined
  assert.ok(socket, `server socket ${sid}`)
  return socket
}

/**
 * Measures what the server holds for one socket on its own, at every packet engine.io creates for
 * it: the packets in its write buffer plus the websocket's buffered bytes, plus the new packet.
 */
function measureHeld(socket: ServerSocket) {
  const conn = socket.conn as any
  const held = { peak: 0 }
  const size = (data: unknown) => (typeof data === 'string' ? data.length : 0)
  conn.on('packetCreate', (packet: any) => {
    const queued = conn.writeBuffer.reduce((sum: number, p: any) => sum + size(p.data), 0)
    const buffered = conn.transport.socket?.bufferedAmount ?? 0
    held.peak = Math.max(held.peak, queued + buffered + size(packet.data))
  })
  return held
}

function publishResult(server: TestServer, projectId: number, i: number) {
  return server.app.realtime.publish(projectId, 'test_result', {
    run_id: 1,
    name: `${i} ${BIG_NAME}`,
    ok: true,
    skipped: false
  })
}

describe('slow consumers', function () {
  this.timeout(60_000)
  let server: TestServer
  const readers: RawReader[] = []
  let warnings: string[]

  /** A server whose slow-consumer log lines are kept in `warnings`. */
  async function start(limits: { slowConsumerMaxBytes: number; slowConsumerMaxMs: number }) {
    server = await startTestServer(limits)
    warnings = []
    server.app.realtime.slowConsumers.log = (message) => warnings.push(message)
    return server
  }

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close()
    await server?.stop()
    server = undefined as unknown as TestServer
  })

  it('cuts a reader past SLOW_CONSUMER_MAX_BYTES; the others get every event; the cut one resumes with since', async () => {
    await start({ slowConsumerMaxBytes: MAX_BYTES, slowConsumerMaxMs: 60_000 })
    const project = await createProject(server)

    const normal = await connected(server.socket())
    const normalSeqs: number[] = []
    normal.on('test_result', (event) => normalSeqs.push(event.seq))
    assert.strictEqual((await normal.emitWithAck('subscribe', { project_id: project.id })).ok, true)

    const reader = new RawReader(server.port)
    readers.push(reader)
    assert.strictEqual((await reader.subscribe(project.id)).ok, true)
    const held = measureHeld(serverSocket(server, reader.sid!))
    const connections = () => server.app.realtime.tracker.count
    assert.strictEqual(connections(), 2)
    reader.pause()

    // Publish until the reader is cut (the kernel's socket buffers fill first), then 20 more; the
    // normal client keeps up, as a reader on a healthy link does.
    let published = 0
    let afterCut = 0
    while (afterCut < 20) {
      assert.ok(published < 2000, 'cut within 2,000 events (100 MB)')
      const event = await publishResult(server, project.id, published++)
      if (connections() === 1) afterCut++
      if (published % 10 === 0) await until(() => normalSeqs.at(-1) === event.seq, 'the normal client keeps up')
    }
    const latest = (await server.app.realtime.streams.eventLog!.state(project.id)).latest
    await until(() => normalSeqs.at(-1) === latest, 'the normal client has every event')

    // The others: every event, in order, once.
    assert.deepStrictEqual(normalSeqs, range(2, latest))
    // The cut: one socket, logged with its figures; what was held never passed limit + one event.
    assert.strictEqual(server.app.realtime.slowConsumers.stats.cut, 1)
    assert.strictEqual(server.app.realtime.slowConsumers.stats.last?.bound, 'bytes')
    assert.ok(
      warnings.some(
        (w) => w.includes('slow consumer cut (bytes)') && w.includes(`SLOW_CONSUMER_MAX_BYTES=${MAX_BYTES}`)
      ),
      warnings.join('\n')
    )
    const oneEvent = EVENT_BYTES + 200
    assert.ok(held.peak > MAX_BYTES && held.peak <= MAX_BYTES + oneEvent, `held at most ${held.peak} bytes`)
    assert.ok(server.app.realtime.slowConsumers.stats.peakBytes <= MAX_BYTES + oneEvent)

    // What the client sees once it reads again: the backlog the kernel had, then the close frame
    // with the reason (within the 2 s grace; later the connection is simply gone).
    reader.resume()
    await until(() => reader.closed !== undefined, 'the reader sees the close', 5000)
    assert.deepStrictEqual(reader.closed, { code: SLOW_CONSUMER_CLOSE_CODE, reason: SLOW_CONSUMER_REASON })
    const got = reader.seqs()
    const last = got.at(-1)!
    assert.deepStrictEqual(got, range(2, last), 'what it read is a prefix, in order')
    assert.ok(latest - last > MAX_BYTES / EVENT_BYTES, `it missed ${latest - last} events`)

    // It comes back with since: everything it missed, paced (the replay is far over the limit).
    const back = await connected(server.socket())
    const replayed: number[] = []
    back.on('test_result', (event) => replayed.push(event.seq))
    const ack = await back.timeout(30_000).emitWithAck('subscribe', { project_id: project.id, since: last })
    assert.strictEqual(ack.recovered, true)
    assert.strictEqual(ack.replayed, latest - last)
    assert.deepStrictEqual(replayed, range(last + 1, latest))
    assert.strictEqual(server.app.realtime.slowConsumers.stats.cut, 1, 'the replay did not cut it again')
  })

  it('a paced catch-up far over the limit, with live events published meanwhile: every event once, in order', async () => {
    await start({ slowConsumerMaxBytes: MAX_BYTES, slowConsumerMaxMs: 60_000 })
    const project = await createProject(server)
    for (let i = 0; i < 100; i++) await publishResult(server, project.id, i) // seq 2..101: 5 MB
    const socket = await connected(server.socket())
    const seqs: number[] = []
    socket.on('test_result', (event) => seqs.push(event.seq))
    const subscribed = socket.timeout(30_000).emitWithAck('subscribe', { project_id: project.id, since: 1 })
    // Live events keep coming while it catches up (some logged before it joins, some after).
    let live = 0
    let done = false
    void subscribed.finally(() => (done = true))
    while (!done || live < 10) {
      await publishResult(server, project.id, 100 + live++)
      await sleep(5)
    }
    const ack = await subscribed
    const latest = (await server.app.realtime.streams.eventLog!.state(project.id)).latest
    await until(() => seqs.at(-1) === latest, 'every event arrived', 10_000)
    assert.strictEqual(ack.recovered, true)
    assert.deepStrictEqual(seqs, range(2, latest), 'every event once, in order')
    assert.strictEqual(server.app.realtime.slowConsumers.stats.cut, 0, 'the catch-up did not cut its reader')
    assert.ok(server.app.realtime.slowConsumers.stats.peakBytes <= MAX_BYTES, 'paced under the limit')
  })

  it('cuts a reader whose oldest unsent data is SLOW_CONSUMER_MAX_MS old; idle readers stay', async () => {
    await start({ slowConsumerMaxBytes: 0, slowConsumerMaxMs: 400 })
    const project = await createProject(server)
    const idle = await connected(server.socket())
    await idle.emitWithAck('subscribe', { project_id: project.id })
    const reader = new RawReader(server.port)
    readers.push(reader)
    await reader.subscribe(project.id)
    const socket = serverSocket(server, reader.sid!)
    reader.pause()

    // Fill the kernel's buffers until the server itself holds data for it, then stop publishing.
    // (Held for a moment after each write is normal: it must still be held once I/O has run.)
    let published = 0
    do {
      assert.ok(published < 2000, 'the server holds data within 2,000 events')
      for (let i = 0; i < 10; i++) await publishResult(server, project.id, published++)
      await sleep(20)
    } while (server.app.realtime.slowConsumers.heldBytes(socket) === 0)
    const stoppedAt = Date.now()
    await until(() => server.app.realtime.tracker.count === 1, 'the reader is cut', 3000)
    const after = Date.now() - stoppedAt
    // 400 ms plus the sweep's 100 ms, with room for a busy machine.
    assert.ok(after <= 400 + 1000, `cut ${after} ms after the last event`)
    assert.strictEqual(server.app.realtime.slowConsumers.stats.last?.bound, 'age')
    assert.ok(warnings.some((w) => w.includes('slow consumer cut (age)') && w.includes('SLOW_CONSUMER_MAX_MS=400')))

    // The idle subscriber read everything and is not behind, however long nothing happens.
    await sleep(1000)
    assert.strictEqual(idle.connected, true)
    assert.strictEqual(server.app.realtime.slowConsumers.stats.cut, 1)
  })

  it('a socket.io client that stalls sees "transport close" with the reason, reconnects and the typed client fills the gap', async () => {
    await start({ slowConsumerMaxBytes: MAX_BYTES, slowConsumerMaxMs: 60_000 })
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const client = createClient(socket, { logger: quiet })
    const seqs: number[] = []
    client.rooms.on('test_result', (event) => seqs.push(event.seq!))
    await client.rooms.subscribe(project.id)
    const disconnected = waitForEvent<any>(socket, 'disconnect', 30_000)
    const details = new Promise<any>((resolve) => socket.once('disconnect', (_reason, detail) => resolve(detail)))

    // Stall its TCP socket (as a frozen tab or a dead link would), publish until it is cut.
    const transport = (socket.io.engine as any).transport
    transport.ws._socket.pause()
    let published = 0
    while (server.app.realtime.slowConsumers.stats.cut === 0) {
      assert.ok(published < 2000, 'cut within 2,000 events')
      await publishResult(server, project.id, published++)
    }
    for (let i = 0; i < 5; i++) await publishResult(server, project.id, published++)
    transport.ws._socket.resume()

    assert.strictEqual(await disconnected, 'transport close')
    assert.strictEqual((await details).context?.code, SLOW_CONSUMER_CLOSE_CODE)
    // It reconnects by itself; the typed client resubscribes with since and delivers the rest.
    const latest = (await server.app.realtime.streams.eventLog!.state(project.id)).latest
    await until(() => seqs.at(-1) === latest, 'the typed client has every event', 30_000)
    assert.deepStrictEqual(seqs, range(2, latest), 'every event, in order, once')
    assert.strictEqual(server.app.realtime.slowConsumers.stats.cut, 1)
  })

  it('SLOW_CONSUMER_MAX_BYTES and SLOW_CONSUMER_MAX_MS: environment strings, 0 turns a bound off, errors name the variable', () => {
    const base = loadConfiguration()
    const settings = validateConfiguration(
      normalizeConfiguration({ ...base, slowConsumerMaxBytes: '1048576', slowConsumerMaxMs: '0' })
    )
    assert.strictEqual(settings.slowConsumerMaxBytes, 1048576)
    assert.strictEqual(settings.slowConsumerMaxMs, 0)
    assert.throws(
      () => validateConfiguration(normalizeConfiguration({ ...base, slowConsumerMaxBytes: '8MB' })),
      /slowConsumerMaxBytes \(SLOW_CONSUMER_MAX_BYTES\)/
    )
  })
})

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
