// Fan-out benchmark (`npm run bench:fanout`): one event to N sockets in one room, three ways, side
// by side in one run against one server:
//   (a) raw      io.to(room).emit(...)                          - socket.io alone
//   (b) feathers a stock Feathers channel holding the N connections (per-connection emit loop)
//   (c) ours     a service event published to the project's RoomChannel (src/realtime), numbered
//                and stored in the project's event log before it is sent, as deployed
//   (d) rooms    the same without the event log: what the room channels alone cost
// Each event is sent after the previous one reached all N clients (a separate process); the cases
// take turns event by event, in a shuffled order each round (seeded, so runs repeat): a fixed
// rotation would always put the same case right after the stock Feathers one and bill it that
// case's garbage collection (1,000 copies of the payload per event). Server CPU per event comes from
// process.cpuUsage() around each event (the whole process: GC and libuv threads included, so
// single samples are noisy: the table gives the mean and the median of k); latency is send -> last
// client has it.
//
//   BENCH_N=1000 BENCH_K=60 BENCH_SIZES=1024,102400 npm run bench:fanout
import { fork } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { ChildProcess } from 'child_process'
import { createApp } from '../../src/app'
import { startServer } from '../../src/http'
import type { Application } from '../../src/declarations'

const N = Number(process.env.BENCH_N ?? 1000)
const K = Number(process.env.BENCH_K ?? 60)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)
const SIZES = (process.env.BENCH_SIZES ?? '1024,102400').split(',').map(Number)
const OUT = path.join(__dirname, '..', '..', 'evidence', 'bench', 'fanout.json')

type Case = 'raw' | 'feathers' | 'ours' | 'rooms'
const CASES: Case[] = ['raw', 'feathers', 'ours', 'rooms']
const STOCK_CHANNEL = 'bench-stock'

interface Sample {
  cpuMs: number
  latencyMs: number
}

function payloadOf(bytes: number, key: string, projectId: number) {
  // JSON size ~ bytes: the padding makes up the rest.
  const base = { key, project_id: projectId, padding: '' }
  base.padding = 'x'.repeat(Math.max(0, bytes - JSON.stringify(base).length))
  return base
}

function quantile(values: number[], q: number) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

// A small seeded PRNG (mulberry32): the same order of cases on every run.
let seed = 0x5eed
function random() {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length
const round = (value: number, digits = 3) => Number(value.toFixed(digits))

async function setUp() {
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
  const address = server.address() as { port: number }
  const project = await app.service('projects').create({ name: 'bench' })
  return { app, url: `http://127.0.0.1:${address.port}`, projectId: project.id }
}

function startClients(url: string, projectId: number): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'fanout-clients.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only']
  })
  return new Promise((resolve, reject) => {
    child.once('message', (message: any) =>
      message.ready === N ? resolve(child) : reject(new Error(JSON.stringify(message)))
    )
    child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)))
    child.send({ start: { url, n: N, projectId } })
  })
}

async function main() {
  const { app, url, projectId } = await setUp()
  const clients = await startClients(url, projectId)
  const room = `project:${projectId}`
  if (app.channel(STOCK_CHANNEL).length !== N)
    throw new Error(`stock channel has ${app.channel(STOCK_CHANNEL).length} connections`)

  let waiting: { key: string; resolve: () => void } | undefined
  clients.on('message', (message: any) => {
    if (waiting && message.received === waiting.key) waiting.resolve()
  })

  // (d) runs the same path with the log switched off for that one event (events go one at a time).
  // (The streams' options are private: the benchmark reaches in to switch the log per event.)
  const options = (app.realtime.streams as unknown as { options: { eventLog?: unknown } }).options
  const eventLog = options.eventLog
  const send: Record<Case, (payload: any) => void> = {
    raw: (payload) => app.io.to(room).emit('bench raw', payload),
    feathers: (payload) => app.service('bench' as any).emit('stock', payload),
    ours: (payload) => {
      options.eventLog = eventLog
      app.service('bench' as any).emit('ours', payload)
    },
    rooms: (payload) => {
      options.eventLog = undefined
      app.service('bench' as any).emit('ours', payload)
    }
  }

  async function once(kind: Case, bytes: number, i: number): Promise<Sample> {
    const key = `${kind}-${bytes}-${i}`
    const payload = payloadOf(bytes, key, projectId)
    const arrived = new Promise<void>((resolve) => (waiting = { key, resolve }))
    const cpu = process.cpuUsage()
    const start = process.hrtime.bigint()
    send[kind](payload)
    await arrived
    const latencyMs = Number(process.hrtime.bigint() - start) / 1e6
    const used = process.cpuUsage(cpu)
    return { cpuMs: (used.user + used.system) / 1000, latencyMs }
  }

  const results = []
  for (const bytes of SIZES) {
    const samples: Record<Case, Sample[]> = { raw: [], feathers: [], ours: [], rooms: [] }
    for (let i = 0; i < WARMUP + K; i++) {
      for (const kind of shuffled(CASES)) {
        const sample = await once(kind, bytes, i)
        if (i >= WARMUP) samples[kind].push(sample)
      }
    }
    const cpu = (kind: Case) => mean(samples[kind].map((s) => s.cpuMs))
    const cpuMedian = (kind: Case) =>
      quantile(
        samples[kind].map((s) => s.cpuMs),
        0.5
      )
    const p = (kind: Case, q: number) =>
      quantile(
        samples[kind].map((s) => s.latencyMs),
        q
      )
    results.push({
      n: N,
      bytes,
      k: K,
      raw_cpu_ms: round(cpu('raw')),
      feathers_cpu_ms: round(cpu('feathers')),
      ours_cpu_ms: round(cpu('ours')),
      rooms_cpu_ms: round(cpu('rooms')),
      raw_cpu_median_ms: round(cpuMedian('raw')),
      feathers_cpu_median_ms: round(cpuMedian('feathers')),
      ours_cpu_median_ms: round(cpuMedian('ours')),
      rooms_cpu_median_ms: round(cpuMedian('rooms')),
      raw_p50_ms: round(p('raw', 0.5)),
      raw_p99_ms: round(p('raw', 0.99)),
      feathers_p50_ms: round(p('feathers', 0.5)),
      feathers_p99_ms: round(p('feathers', 0.99)),
      ours_p50_ms: round(p('ours', 0.5)),
      ours_p99_ms: round(p('ours', 0.99)),
      rooms_p50_ms: round(p('rooms', 0.5)),
      rooms_p99_ms: round(p('rooms', 0.99)),
      feathers_cpu_ratio: round(cpu('feathers') / cpu('raw'), 2),
      ours_cpu_ratio: round(cpu('ours') / cpu('raw'), 2),
      rooms_cpu_ratio: round(cpu('rooms') / cpu('raw'), 2),
      feathers_cpu_median_ratio: round(cpuMedian('feathers') / cpuMedian('raw'), 2),
      ours_cpu_median_ratio: round(cpuMedian('ours') / cpuMedian('raw'), 2),
      rooms_cpu_median_ratio: round(cpuMedian('rooms') / cpuMedian('raw'), 2)
    })
  }

  clients.send({ stop: true })
  await app.teardown()

  const header = ['N', 'bytes', 'case', 'CPU ms/event', 'x raw', 'CPU median', 'p50 ms', 'p99 ms']
  const rows = results.flatMap((r) =>
    CASES.map((kind) => [
      r.n,
      r.bytes,
      kind,
      (r as any)[`${kind}_cpu_ms`].toFixed(2),
      kind === 'raw' ? '1.00' : (r as any)[`${kind}_cpu_ratio`].toFixed(2),
      (r as any)[`${kind}_cpu_median_ms`].toFixed(2),
      (r as any)[`${kind}_p50_ms`].toFixed(2),
      (r as any)[`${kind}_p99_ms`].toFixed(2)
    ])
  )
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)))
  const line = (cells: unknown[]) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ')
  console.log(line(header))
  for (const row of rows) console.log(line(row))

  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  const report = {
    command: 'npm run bench:fanout',
    note: 'CPU = server process CPU (user+system) per event, mean over k events; ratios are means over raw',
    generated_at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    k: K,
    warmup: WARMUP,
    cases: results
  }
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n')
  console.log(`\nwrote ${path.relative(process.cwd(), OUT)}`)
  for (const kind of ['ours', 'rooms'] as const) {
    const missed = results.filter((r) => r[`${kind}_cpu_ratio`] > 1.1)
    console.log(
      missed.length === 0
        ? `target met: ${kind} <= 1.1x raw socket.io CPU per event (mean) for every size`
        : `target missed: ${kind} at ${missed.map((r) => `${r.bytes} B (${r[`${kind}_cpu_ratio`]}x mean, ${r[`${kind}_cpu_median_ratio`]}x median)`).join(', ')}`
    )
  }
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
