// One server of the fan-out benchmark, in its own process (so each one's CPU is its own, each holds
// its N sockets within the file limit, and no case is billed the garbage of another's): `ours` (the
// app as deployed: the cases ours and rooms), `feathers` (the app again, for the stock Feathers
// channel: its 1,000 encodes per event leave garbage), `raw` (a bare socket.io 4.8 server, its
// defaults), `floor` (a bare `ws` server: the least Node can do per recipient). The parent (fanout.ts) asks it to send one event,
// then, once every client has it, for the CPU the process used meanwhile.
import http from 'http'
import { Server, type Socket } from 'socket.io'
import * as wsModule from 'ws'
import { WebSocketServer, WebSocket } from 'ws'
import type { Application } from '../../src/declarations'

export type ServerKind = 'ours' | 'feathers' | 'raw' | 'floor' | 'trial'
type Send = (kind: string, payload: object) => void

// ws's frame builder (what socket.io's adapter uses for wsPreEncodedFrame); not in ws's types.
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] }
}
const STOCK_CHANNEL = 'bench-stock'
// engine.io's heartbeat, alike on every socket.io server here (a ping every 10 minutes): its defaults (every 25 s, 20 s
// to answer) would put 400 pings a second inside the measured windows at N = 10,000, and on a loaded
// machine lose sockets while thousands connect. The floor has no heartbeat at all.
const PINGS = { pingInterval: 600_000, pingTimeout: 120_000 }
const RAW_ROOM = 'bench'

async function listen(server: http.Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

async function startOurs(): Promise<{ url: string; projectId: number; send: Send }> {
  // Loaded here: the raw and floor processes do not carry the app.
  const { createApp } = await import('../../src/app')
  const { startServer } = await import('../../src/http')
  const app: Application = createApp({
    port: 0,
    host: '127.0.0.1',
    database: 'sqlite::memory:',
    heartbeatIntervalMs: 3_600_000
  })
  // The benchmark's own service: two custom events, one published the stock way, one ours.
  app.use(
    'bench' as any,
    {
      async find() {
        return []
      }
    } as any,
    { methods: ['find'], events: ['stock', 'ours'] }
  )
  app.service('bench' as any).publish('stock', () => app.channel(STOCK_CHANNEL))
  app.service('bench' as any).publish('ours', (data: any) => app.realtime.projectChannel(data.project_id))
  // (b) needs every connection in a stock Feathers channel.
  app.on('connection', (connection: any) => app.channel(STOCK_CHANNEL).join(connection))
  const server = await startServer(app)
  Object.assign(app.io.engine.opts, PINGS)
  if (process.env.BENCH_NO_FAST_PATH === '1') {
    // The trial without the fast path: this listener runs after the app's, and takes its hook off
    // the connection again (the method of socket.io's Client prototype is what is left).
    app.io.on(
      'connection',
      (socket: Socket) => delete (socket.client as unknown as { writeToEngine?: unknown }).writeToEngine
    )
  }
  const project = await app.service('projects').create({ name: 'bench' })
  // (d) runs the same path with the log switched off for that one event (events go one at a time).
  // (The streams' options are private: the benchmark reaches in to switch the log per event.)
  const options = (app.realtime.streams as unknown as { options: { eventLog?: unknown } }).options
  const eventLog = options.eventLog
  const send: Send = (kind, payload) => {
    // `trial` is ours on a server with one setting changed (fanout.ts).
    if (kind === 'feathers') return app.service('bench' as any).emit('stock', payload)
    options.eventLog = kind === 'rooms' ? undefined : eventLog
    app.service('bench' as any).emit('ours', payload)
  }
  const address = server.address() as { port: number }
  return { url: `http://127.0.0.1:${address.port}`, projectId: project.id, send }
}

async function startRaw() {
  const server = http.createServer()
  const io = new Server(server, PINGS)
  io.on('connection', (socket) => socket.join(RAW_ROOM))
  const send: Send = (_kind, payload) => io.to(RAW_ROOM).emit('bench raw', payload)
  return { url: await listen(server), projectId: 0, send }
}

async function startFloor() {
  const server = http.createServer()
  const wss = new WebSocketServer({ server })
  const sockets = new Set<WebSocket>()
  wss.on('connection', (ws) => {
    sockets.add(ws)
    ws.on('close', () => sockets.delete(ws))
  })
  const send: Send = (kind, payload) => {
    // The bytes socket.io would send (engine.io "4" + socket.io "2" + the JSON array), encoded once.
    const data = Buffer.from(`42${JSON.stringify([`bench ${kind}`, payload])}`)
    if (kind === 'floor_send') {
      // ws's own send of a pre-built buffer: a frame header per recipient, two writes each.
      for (const ws of sockets) ws.send(data, { binary: false })
      return
    }
    // One frame, header and payload in one buffer, built once: one write per recipient.
    const parts = Sender.frame(data, { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true })
    const frame = [Buffer.concat(parts)]
    for (const ws of sockets) (ws as unknown as { _sender: { sendFrame(f: Buffer[]): void } })._sender.sendFrame(frame)
  }
  return { url: await listen(server), projectId: 0, send }
}

const starters = { ours: startOurs, feathers: startOurs, trial: startOurs, raw: startRaw, floor: startFloor }
let send: Send | undefined
let projectId = 0
let cpu: NodeJS.CpuUsage | undefined

function payloadOf(bytes: number, key: string) {
  // JSON size ~ bytes: the padding makes up the rest.
  const base = { key, project_id: projectId, padding: '' }
  base.padding = 'x'.repeat(Math.max(0, bytes - JSON.stringify(base).length))
  return base
}

interface Message {
  start?: ServerKind
  send?: { kind: string; bytes: number; key: string }
  done?: true
}

process.on('message', (message: Message) => {
  if (message.start) {
    starters[message.start]().then(
      (started) => {
        send = started.send
        projectId = started.projectId
        process.send!({ ready: { url: started.url, projectId: started.projectId } })
      },
      (error) => process.send!({ error: String(error) })
    )
  }
  if (message.send) {
    const payload = payloadOf(message.send.bytes, message.send.key)
    cpu = process.cpuUsage()
    send!(message.send.kind, payload)
  }
  if (message.done) {
    const used = process.cpuUsage(cpu)
    process.send!({ cpuMs: (used.user + used.system) / 1000 })
  }
})
process.on('disconnect', () => process.exit(0))
