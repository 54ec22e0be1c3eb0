// Fan-out benchmark (`npm run bench:fanout`): one event to N sockets in one room, six ways, side by
// side in one run, each server in a process of its own (fanout-server.ts; b has one apart from c/d):
//   (a) raw        a bare socket.io 4.8 server, io.to(room).emit(...)       - socket.io alone
//   (b) feathers   our app: a stock Feathers channel holding the N connections (per-connection emit)
//   (c) ours       our app: a service event published to the project's RoomChannel (src/realtime),
//                  numbered and stored in the project's event log before it is sent, as deployed
//   (d) rooms      the same without the event log: what the room channels alone cost
//   (e) floor      a bare `ws` server writing one pre-built frame (header and payload in one buffer,
//                  built once) to every socket: about one write per recipient, the floor for Node
//   (e') floor_send the same server with ws's own send() of a pre-built buffer (a frame per socket)
// The clients (socket.io clients for a-d, bare websockets for e) live in other processes (several
// for large N). Each event is sent after the previous one reached all N clients; the cases take
// turns event by event, in a shuffled order each round (seeded, so runs repeat): a fixed rotation
// would bill one case the garbage another left. Server CPU per event is process.cpuUsage() of that
// server's process from the send until the last client has it (GC and libuv threads included, so
// single samples are noisy: the table gives the mean and the median of k); latency is the parent's
// request -> the last client has it (two IPC hops included, alike for every case).
//
//   BENCH_RUNS=1000:1024:60,1000:102400:60,10000:1024:20 npm run bench:fanout   (n:bytes:k, the default)
// N = 10,000 needs 10,000 descriptors per server process: `ulimit -n 20000`.
import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { ServerKind } from './fanout-server'
import { fanoutReport, printTable, type Sample } from './fanout-report'

// A trial (README, Performance trials): one more case, `trial`, ours on a server process of its own
// with one setting changed, side by side with the others. Printed, not written to fanout.json.
const TRIALS: Record<string, NodeJS.ProcessEnv> = {
  // ws without its native helpers (bufferutil: masking; utf-8-validate: incoming text).
  'no-native': { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' },
  // Without the fast path (src/realtime/fast-broadcast.ts): engine.io's per-socket path for everyone.
  'no-fast-path': { BENCH_NO_FAST_PATH: '1' }
}
const TRIAL = process.env.BENCH_TRIAL
if (TRIAL !== undefined && !(TRIAL in TRIALS)) throw new Error(`BENCH_TRIAL: one of ${Object.keys(TRIALS).join(', ')}`)
const ALL_CASES = [
  ...(['raw', 'feathers', 'ours', 'rooms', 'floor', 'floor_send'] as const),
  ...(TRIAL ? (['trial'] as const) : [])
]
export type Case = (typeof ALL_CASES)[number]
// BENCH_CASES=raw,ours,rooms,floor: fewer servers and sockets (raw and floor are always run: the ratios).
const CASES = ALL_CASES.filter(
  (kind) => !process.env.BENCH_CASES || ['raw', 'floor', ...process.env.BENCH_CASES.split(',')].includes(kind)
)
const SERVER_OF: Record<Case, ServerKind> = {
  raw: 'raw',
  feathers: 'feathers',
  ours: 'ours',
  rooms: 'ours',
  floor: 'floor',
  floor_send: 'floor',
  trial: 'trial'
}
const SERVERS = [...new Set(CASES.map((kind) => SERVER_OF[kind]))]
const RUNS = (process.env.BENCH_RUNS ?? '1000:1024:60,1000:102400:60,10000:1024:20').split(',').map((run) => {
  const [n, bytes, k] = run.split(':').map(Number)
  return { n, bytes, k }
})
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3)
/** Sockets per client process at most (each holds its share of the three servers' sockets). */
const PER_CLIENT_PROCESS = 5000
const EVENT_TIMEOUT_MS = 120_000
const OUT = path.join(__dirname, '..', '..', 'evidence', 'bench', 'fanout.json')

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

function child(file: string, env: NodeJS.ProcessEnv = {}) {
  return fork(path.join(__dirname, file), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    env: { ...process.env, ...env }
  })
}

/** Sends one message and resolves with the child's next answer that has `field`. */
function ask<T>(process: ChildProcess, message: object, field: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: any) => {
      if (answer.error) reject(new Error(answer.error))
      else if (field in answer) resolve(answer[field])
      else return
      process.off('message', onMessage)
    }
    process.on('message', onMessage)
    process.send(message)
  })
}

async function startServers() {
  const started = await Promise.all(
    SERVERS.map(async (kind) => {
      const process = child('fanout-server.ts', kind === 'trial' ? TRIALS[TRIAL!] : {})
      const ready = await ask<{ url: string; projectId: number }>(process, { start: kind }, 'ready')
      return [kind, { process, ...ready }] as const
    })
  )
  return Object.fromEntries(started) as Record<ServerKind, { process: ChildProcess; url: string; projectId: number }>
}

type Servers = Awaited<ReturnType<typeof startServers>>

/** Per client process, the seconds its sockets of each server took to connect. */
const connectSeconds: Record<string, number>[] = []

async function startClients(servers: Servers, n: number) {
  const count = Math.max(2, Math.ceil((SERVERS.length * n) / PER_CLIENT_PROCESS))
  const share = (i: number) => Math.floor(n / count) + (i < n % count ? 1 : 0)
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const process = child('fanout-clients.ts')
      const groups = SERVERS.map((server) => ({
        server,
        url: servers[server].url,
        n: share(i),
        projectId: server === 'ours' || server === 'trial' ? servers[server].projectId : undefined
      }))
      process.once('message', (message: any) => message.connectSeconds && connectSeconds.push(message.connectSeconds))
      const ready = await ask<number>(process, { start: groups }, 'ready')
      if (ready !== SERVERS.length * share(i)) throw new Error(`client process ${i}: ${ready} sockets`)
      return process
    })
  )
}

async function runN(n: number, runs: typeof RUNS) {
  const started = Date.now()
  const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1)
  const servers = await startServers()
  const startedIn = seconds(started)
  const connecting = Date.now()
  connectSeconds.length = 0
  const clients = await startClients(servers, n)
  const slowest = SERVERS.map((kind) => `${kind} ${Math.max(...connectSeconds.map((c) => c[kind])).toFixed(1)} s`)
  console.log(
    `N = ${n}: ${SERVERS.length} servers started in ${startedIn} s, ` +
      `${SERVERS.length} x ${n} sockets connected in ${seconds(connecting)} s (${slowest.join(', ')})`
  )
  const waiting = new Map<string, { left: number; resolve: () => void }>()
  for (const client of clients) {
    client.on('message', (message: any) => {
      if (message.error) fail(new Error(message.error))
      const entry = message.received && waiting.get(message.received)
      if (entry && --entry.left === 0) entry.resolve()
    })
  }

  async function once(kind: Case, bytes: number, i: number): Promise<Sample> {
    const server = servers[SERVER_OF[kind]].process
    const key = `${SERVER_OF[kind]}/${kind}-${bytes}-${i}`
    const arrived = new Promise<void>((resolve) => waiting.set(key, { left: clients.length, resolve }))
    // A run that stalls says where, instead of hanging.
    const stalled = setTimeout(
      () => fail(new Error(`${key}: not at every client after ${EVENT_TIMEOUT_MS} ms`)),
      EVENT_TIMEOUT_MS
    )
    const start = process.hrtime.bigint()
    server.send({ send: { kind, bytes, key } })
    await arrived
    const latencyMs = Number(process.hrtime.bigint() - start) / 1e6
    clearTimeout(stalled)
    waiting.delete(key)
    const cpuMs = await ask<number>(server, { done: true }, 'cpuMs')
    return { cpuMs, latencyMs }
  }

  const results = []
  for (const { bytes, k } of runs) {
    const samples = Object.fromEntries(CASES.map((kind) => [kind, [] as Sample[]])) as Record<Case, Sample[]>
    for (let i = 0; i < WARMUP + k; i++) {
      for (const kind of shuffled(CASES)) {
        const sample = await once(kind, bytes, i)
        if (i >= WARMUP) samples[kind].push(sample)
      }
    }
    results.push(fanoutReport(n, bytes, k, CASES, samples))
  }
  for (const client of clients) client.send({ stop: true })
  for (const server of Object.values(servers)) server.process.kill()
  return results
}

async function main() {
  const started = Date.now()
  const results = []
  for (const n of [...new Set(RUNS.map((run) => run.n))]) {
    results.push(
      ...(await runN(
        n,
        RUNS.filter((run) => run.n === n)
      ))
    )
  }
  printTable(results, CASES)

  if (TRIAL) {
    console.log(`\nBENCH_TRIAL=${TRIAL}: trial = ours with ${JSON.stringify(TRIALS[TRIAL])}; nothing written`)
    process.exit(0)
  }
  // WORKERS=n runs (bench:fanout's workers case) write their own key: keep it.
  const previous = fs.existsSync(OUT) ? JSON.parse(fs.readFileSync(OUT, 'utf8')) : {}
  const report = {
    command: 'npm run bench:fanout',
    note:
      'CPU = a server process CPU (user+system) per event, from the send until the last client has it; mean ' +
      'and median over k events; ratios: over raw (a bare socket.io server) and over floor (a bare ws server, ' +
      'one pre-built frame per recipient); latency: request -> last client has it',
    generated_at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    warmup: WARMUP,
    seconds: Math.round((Date.now() - started) / 1000),
    cases: results,
    ...(previous.workers ? { workers: previous.workers } : {})
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n')
  console.log(`\nwrote ${path.relative(process.cwd(), OUT)} in ${report.seconds} s`)
  process.exit(0)
}

function fail(error: Error) {
  console.error(error)
  process.exit(1)
}

main().catch(fail)
