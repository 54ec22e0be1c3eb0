// The client side of the fan-out benchmark, in processes of its own so their parsing does not count
// as server CPU: this process's share of the sockets of each server (fanout-server.ts): socket.io
// clients subscribed to the project room (ours), in the stock channel or the bench room (feathers,
// raw: joined on connect), and
// bare websocket clients (floor). For every benchmark event it tells the parent when all of its
// sockets of that server have it. An event's key starts with its server: `ours/...`, `raw/...`.
import { io } from 'socket.io-client'
import type { Socket } from 'socket.io-client'
import { WebSocket } from 'ws'

interface Group {
  server: 'ours' | 'feathers' | 'raw' | 'floor' | 'trial'
  url: string
  n: number
  /** Ours: the project each socket subscribes to. */
  projectId?: number
}

const sockets: Socket[] = []
const websockets: WebSocket[] = []
const counts = new Map<string, number>()
const expected = new Map<string, number>()
let stopping = false
/** Handshakes in flight per server per client process. */
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 25)

/** A socket lost mid-run would stall the run (its events never all arrive): say so instead. */
function lost(server: string, reason: string) {
  if (!stopping) process.send!({ error: `clients: a ${server} socket was lost (${reason})` })
}

function received(payload: { key?: string }) {
  if (!payload || typeof payload.key !== 'string') return
  const count = (counts.get(payload.key) ?? 0) + 1
  if (count === expected.get(payload.key.slice(0, payload.key.indexOf('/')))) {
    counts.delete(payload.key)
    process.send!({ received: payload.key })
  } else counts.set(payload.key, count)
}

function connectSocketIo({ server, url, projectId }: Group) {
  // A loaded machine may take long to answer thousands of handshakes: no 20 s connect timeout.
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 600_000 })
  sockets.push(socket)
  socket.onAny((_event, payload) => received(payload))
  socket.on('disconnect', (reason) => lost(server, reason))
  return new Promise<void>((resolve, reject) => {
    socket.once('connect', async () => {
      if (projectId === undefined) return resolve()
      const ack = await socket.emitWithAck('subscribe', { project_id: projectId, presence: false })
      if (ack.ok) resolve()
      else reject(new Error(JSON.stringify(ack)))
    })
    socket.once('connect_error', (error: Error & { description?: unknown }) => {
      // socket.io-client's "websocket error" carries the cause in `description`.
      const cause = (error.description as { message?: string } | undefined)?.message ?? String(error.description ?? '')
      reject(new Error(`${server} ${url}: ${error.message} ${cause}`))
    })
  })
}

function connectWs({ url }: Group) {
  const ws = new WebSocket(url.replace('http', 'ws'))
  websockets.push(ws)
  // The floor sends what socket.io would: "42" and the JSON array [event, payload].
  ws.on('message', (data) => received(JSON.parse(data.toString().slice(2))[1]))
  ws.on('close', (code) => lost('floor', `close ${code}`))
  return new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', (error) => reject(new Error(`floor ${url}: ${error.message}`)))
  })
}

/** Seconds each server's sockets took to connect (printed by the parent: a slow accept shows). */
const connectSeconds: Record<string, number> = {}

async function connectGroup(group: Group) {
  const started = Date.now()
  expected.set(group.server, group.n)
  const connect = group.server === 'floor' ? connectWs : connectSocketIo
  // In batches, so no server is handed thousands of handshakes at once (8 client processes with
  // 100 in flight each made ours reset connections at N = 10,000 on a loaded machine).
  for (let start = 0; start < group.n; start += IN_FLIGHT) {
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, group.n - start) }, () => connect(group)))
  }
  connectSeconds[group.server] = (Date.now() - started) / 1000
}

async function connectAll(groups: Group[]) {
  // The servers are processes of their own: their groups connect side by side.
  await Promise.all(groups.map(connectGroup))
  process.send!({ connectSeconds })
  process.send!({ ready: sockets.length + websockets.length })
}

process.on('message', (message: { start?: Group[]; stop?: boolean }) => {
  if (message.start) connectAll(message.start).catch((error) => process.send!({ error: `clients: ${String(error)}` }))
  if (message.stop) {
    stopping = true
    for (const socket of sockets) socket.disconnect()
    for (const ws of websockets) ws.terminate()
    setTimeout(() => process.exit(0), 100)
  }
})
process.on('disconnect', () => process.exit(0))
