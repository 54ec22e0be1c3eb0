// Client load for bench:workers (fanout-workers.ts), in a process of its own: `count` bare
// websockets that speak just enough engine.io/socket.io (open, namespace connect, pong, one
// subscribe) to stay cheap - a full socket.io client would decode every event and make the load,
// not the server, the limit on a 2-core machine. Each `sessions created` event is counted and its
// latency taken from the record's `created_at` (set by the worker that created it, same clock).
//
// Parent -> child: {connect: {url, count, projectId}} | {window: 'start'} | {window: 'stop'} | {close: true}
// Child -> parent: {connected: n} | {stats: {deliveries, histogram, cpu_us}} | {error}
import WebSocket from 'ws'

/** Latency histogram: 1 ms buckets up to 10 s (the last bucket holds everything later). */
const BUCKETS = 10_001
let histogram = new Uint32Array(BUCKETS)
let deliveries = 0
let counting = false
let cpuAtStart = process.cpuUsage()
const sockets: WebSocket[] = []

const SUBSCRIBE_EVENT = '"sessions created"'

function onFrame(socket: WebSocket, data: string, projectId: number) {
  if (data === '2') return socket.send('3')
  if (data.startsWith('0')) return socket.send('40')
  if (data.startsWith('40')) return socket.send(`420["subscribe",{"project_id":${projectId},"presence":false}]`)
  if (data.startsWith('43')) return socket.emit('subscribed')
  if (!counting || !data.startsWith('42') || !data.includes(SUBSCRIBE_EVENT)) return
  const at = data.indexOf('"created_at":"')
  if (at < 0) return
  const created = Date.parse(data.slice(at + 14, data.indexOf('"', at + 14)))
  const latency = Math.max(0, Date.now() - created)
  histogram[Math.min(BUCKETS - 1, Math.round(latency))]++
  deliveries++
}

/** Connections that closed before their subscription was acknowledged, and were opened again. */
let retries = 0

/** One subscribed client; a connection that closes or stalls before its ack is opened again. */
async function open(url: string, projectId: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`)
    socket.on('message', (raw) => onFrame(socket, raw.toString(), projectId))
    socket.on('error', () => undefined)
    const subscribed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000)
      socket.once('subscribed', () => (clearTimeout(timer), resolve(true)))
      socket.once('close', () => (clearTimeout(timer), resolve(false)))
    })
    if (subscribed) return void sockets.push(socket)
    socket.terminate()
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
      process.send!({ connected: sockets.length, retries })
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
      for (const socket of sockets) socket.terminate()
      process.exit(0)
    }
  } catch (error) {
    process.send!({ error: String(error) })
  }
})
