// Client load for bench:workers (fanout-workers.ts), in a process of its own: `count` websocket
// clients on plain TCP sockets that speak just enough WebSocket (RFC 6455: the upgrade, unmasked
// server frames, masked client frames), engine.io and socket.io (open, namespace connect, pong,
// one subscribe) to stay cheap. On a 2-core machine the clients share the cores with the server:
// with the `ws` library each delivery cost the clients ~15 µs of CPU (a message event, a string,
// a search in it), as much as the server's own cost, so the client load, not the server, set the
// limit. Here a delivery is a frame header read and two byte searches in the buffer the kernel
// handed over, however many frames it holds. Each `sessions created` event is counted and its
// latency taken from the record's `created_at` (set by the worker that created it, same clock).
//
// Parent -> child: {connect: {url, count, projectId}} | {window: 'start'} | {window: 'stop'} | {close: true}
// Child -> parent: {connected: n} | {stats: {deliveries, histogram, cpu_us}} | {error}
import crypto from 'crypto'
import net from 'net'

/** Latency histogram: 1 ms buckets up to 10 s (the last bucket holds everything later). */
const BUCKETS = 10_001
let histogram = new Uint32Array(BUCKETS)
let deliveries = 0
let counting = false
let cpuAtStart = process.cpuUsage()
const clients: Client[] = []

const EVENT = Buffer.from('42["sessions created"')
const CREATED_AT = Buffer.from('"created_at":"')
const ISO_LENGTH = '2026-01-01T00:00:00.000Z'.length
const HEADERS_END = Buffer.from('\r\n\r\n')

/** A masked text frame from the client (RFC 6455 5.3: every client frame is masked). */
function clientFrame(text: string): Buffer {
  const payload = Buffer.from(text)
  if (payload.length > 125) throw new Error('bench client frames are short')
  const mask = crypto.randomBytes(4)
  const frame = Buffer.alloc(6 + payload.length)
  frame[0] = 0x81 // FIN, text
  frame[1] = 0x80 | payload.length
  mask.copy(frame, 2)
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3]
  return frame
}
const PONG = clientFrame('3')
const CONNECT = clientFrame('40')

class Client {
  private pending: Buffer | null = null
  private upgraded = false
  subscribed?: () => void
  closed?: () => void

  constructor(
    readonly socket: net.Socket,
    private readonly subscribe: Buffer
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => undefined)
    socket.on('close', () => this.closed?.())
  }

  private onData(chunk: Buffer) {
    let buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk
    this.pending = null
    let offset = 0
    if (!this.upgraded) {
      const end = buffer.indexOf(HEADERS_END)
      if (end < 0) return void (this.pending = buffer)
      if (!buffer.toString('latin1', 0, 12).endsWith('101')) return void this.socket.destroy()
      this.upgraded = true
      offset = end + HEADERS_END.length
    }
    const now = counting ? Date.now() : 0
    while (buffer.length - offset >= 2) {
      const opcode = buffer[offset] & 0x0f
      let length = buffer[offset + 1] & 0x7f
      let start = offset + 2
      if (length === 126) {
        if (buffer.length - offset < 4) break
        length = buffer.readUInt16BE(offset + 2)
        start = offset + 4
      } else if (length === 127) {
        if (buffer.length - offset < 10) break
        length = buffer.readUInt32BE(offset + 6) // frames here are far below 4 GB
        start = offset + 10
      }
      const end = start + length
      if (end > buffer.length) break
      if (opcode === 1) this.onText(buffer, start, end, now)
      else if (opcode === 8) this.socket.destroy()
      offset = end
    }
    if (offset < buffer.length) {
      buffer = buffer.subarray(offset)
      // A partial frame: kept (copied, so the kernel's big chunk is not held for a few bytes).
      this.pending = Buffer.from(buffer)
    }
  }

  private onText(buffer: Buffer, start: number, end: number, now: number) {
    const first = buffer[start]
    const second = end - start > 1 ? buffer[start + 1] : -1
    if (first === 0x32 /* 2: ping */ && end - start === 1) return void this.socket.write(PONG)
    if (first === 0x30 /* 0: open */) return void this.socket.write(CONNECT)
    if (first !== 0x34 /* 4: message */) return
    if (second === 0x30 /* 40: namespace connected */) return void this.socket.write(this.subscribe)
    if (second === 0x33 /* 43: the subscribe ack */) return this.subscribed?.()
    if (!counting || second !== 0x32 /* 42: an event */) return
    if (end - start < EVENT.length || EVENT.compare(buffer, start, start + EVENT.length) !== 0) return
    const at = buffer.indexOf(CREATED_AT, start)
    if (at < 0 || at >= end) return
    const from = at + CREATED_AT.length
    const created = Date.parse(buffer.toString('latin1', from, from + ISO_LENGTH))
    histogram[Math.min(BUCKETS - 1, Math.max(0, Math.round(now - created)))]++
    deliveries++
  }
}

/** Connections that closed before their subscription was acknowledged, and were opened again. */
let retries = 0

/** One subscribed client; a connection that closes or stalls before its ack is opened again. */
async function open(url: string, projectId: number): Promise<void> {
  const { hostname, port } = new URL(url)
  const subscribe = clientFrame(`420["subscribe",{"project_id":${projectId},"presence":false}]`)
  for (let attempt = 1; ; attempt++) {
    const socket = net.connect(Number(port), hostname)
    const client = new Client(socket, subscribe)
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
        `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n\r\n`
    )
    const subscribed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000)
      client.subscribed = () => (clearTimeout(timer), resolve(true))
      client.closed = () => (clearTimeout(timer), resolve(false))
    })
    client.subscribed = undefined
    if (subscribed) return void clients.push(client)
    socket.destroy()
    retries++
    if (attempt >= 5) throw new Error('a client could not subscribe in 5 attempts')
  }
}

process.on('message', async (message: any) => {
  try {
    if (message.connect) {
      const { url, count, projectId } = message.connect
      // A few at a time: a burst of thousands of handshakes is its own benchmark (bench:connections).
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => open(url, projectId)))
      }
      if (retries > 0) console.log(`${retries} connection(s) closed or stalled before subscribing, opened again`)
      process.send!({ connected: clients.length, retries })
    } else if (message.window === 'start') {
      histogram = new Uint32Array(BUCKETS)
      deliveries = 0
      counting = true
      cpuAtStart = process.cpuUsage()
      process.send!({ started: true })
    } else if (message.window === 'stop') {
      counting = false
      const cpu = process.cpuUsage(cpuAtStart)
      process.send!({ stats: { deliveries, histogram: Array.from(histogram), cpu_us: cpu.user + cpu.system } })
    } else if (message.close) {
      for (const client of clients) client.socket.destroy()
      process.exit(0)
    }
  } catch (error) {
    process.send!({ error: String(error) })
  }
})
