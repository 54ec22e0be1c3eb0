// Connections benchmark (`npm run bench:connections`; not part of `npm test`): issue 10, items 1-3.
// N WebSocket clients (BENCH_CONNECTIONS, default 10,000, split over BENCH_CLIENT_PROCESSES
// processes, connections-clients.ts) against two servers side by side in one run, each in a
// process of its own, compiled to JavaScript as `npm start` runs it (no ts-node in the server):
//   raw   a bare socket.io 4.8 server with its defaults (connections-raw.ts)
//   ours  src/index.js as deployed: default settings (AUTH=off, the simulated provider, logs at
//         info to a file, the 30 s heartbeat), the event log in a SQLite file in a temporary folder
// The heartbeat's cost is measured by one more run of ours after the trials, with a short heartbeat
// (BENCH_HEARTBEAT_MS, 1,000) so that it shows in a short window; that run's accept figures are
// reported beside the others but not in the medians (ten heartbeats to a growing crowd during the
// accept phase are not what a deployed server does while accepting).
// For each server: RSS at start (before any client, 2 s after it answers) and idle (BENCH_IDLE_S,
// 12 s, after it answers, still before any client: ours gives start-up's memory back in its first
// trims, MEMORY_TRIM_MS; both servers are measured at the same moments), the accept rate (N / the
// time from "go" to the last socket's socket.io connect ack, BENCH_IN_FLIGHT handshakes under way
// per client process), RSS with the N connected (sampled each round of the heartbeat window: its
// median and its largest; 30 rounds of 1 s span one heartbeat period of ours as deployed, whose
// round regrows V8's young generation for a few seconds), bytes per connection ((median RSS with
// N - RSS idle) / N), server CPU (/proc, user + system) per round over BENCH_HEARTBEAT_ROUNDS
// rounds of BENCH_HEARTBEAT_MS with the N idle (raw, and ours in its trials: the same window, pings
// and ours' one heartbeat; ours in the heartbeat run: a heartbeat each round), and the
// count once every client has left politely (ours: GET /connections; raw: engine.io's count).
// The servers take turns BENCH_TRIALS times (raw first on odd trials, ours first on even ones);
// the case gives the medians, `trials` every figure. BENCH_SERVER_ENV (`A=1,B=2`) is added to both
// servers' environment, for trials such as WS_NO_BUFFER_UTIL=1,WS_NO_UTF_8_VALIDATE=1.
//
//   BENCH_CONNECTIONS=10000 BENCH_TRIALS=3 npm run bench:connections
import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'

const N = Number(process.env.BENCH_CONNECTIONS ?? 10_000)
const TRIALS = Number(process.env.BENCH_TRIALS ?? 3)
const PROCESSES = Math.max(1, Number(process.env.BENCH_CLIENT_PROCESSES ?? Math.ceil(N / 2500)))
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 50)
const HEARTBEAT_MS = Number(process.env.BENCH_HEARTBEAT_MS ?? 1000)
const ROUNDS = Number(process.env.BENCH_HEARTBEAT_ROUNDS ?? 30)
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 12)
const SERVER_ENV = Object.fromEntries(
  (process.env.BENCH_SERVER_ENV ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=') as [string, string])
)
const OUT = process.env.BENCH_OUT ?? path.join(__dirname, '..', '..', 'evidence', 'bench', 'connections.json')
const ROOT = path.join(__dirname, '..', '..')
const MB = 1024 * 1024
const TICK_MS = 1000 / 100 // /proc/<pid>/stat counts CPU in clock ticks (USER_HZ, 100 on Linux)

type Kind = 'raw' | 'ours'

interface Trial {
  kind: Kind
  /** The heartbeat interval the server ran with (undefined: its default, 30 s for ours). */
  heartbeat_ms?: number
  /** RSS 2 s after the server answers, before any client. */
  start_rss_mb: number
  /** RSS IDLE_S after the server answers, before any client. */
  idle_rss_mb: number
  accept_per_s: number
  accept_s: number
  /** Server CPU during the accept phase per connection: steadier than the rate on a busy machine. */
  cpu_us_per_accept: number
  failed: number
  /** RSS with the N connected: the median of the window's samples (one per round), and the largest. */
  rss_mb: number
  rss_max_mb: number
  bytes_per_conn: number
  cpu_ms_per_round: number
  heartbeats_per_socket: number
  heartbeat_connections_max: number
  count_after_leave: number
  leave_s: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const round = (value: number, digits = 1) => Number(value.toFixed(digits))
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

function rssBytes(pid: number): number {
  const line = fs
    .readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(line!.split(/\s+/)[1]) * 1024
}

function cpuMs(pid: number): number {
  // Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS
}

/** The next message of a child that has `key`; rejects if the child exits first. */
function next(child: ChildProcess, key: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: any) => {
      if (!(key in message)) return
      child.off('message', onMessage)
      child.off('exit', onExit)
      resolve(message)
    }
    const onExit = (code: number | null) => reject(new Error(`${key}: child exited with ${code}`))
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

/**
 * src/ and the benchmark's own processes as plain JavaScript (esbuild, one file each, no bundling,
 * dynamic imports as require(), as tsc compiles them for `npm start`). Under node_modules/.cache,
 * so their packages resolve.
 */
async function compile(): Promise<string> {
  const esbuild = await import('esbuild')
  fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true })
  const outdir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'vibecode-connections-'))
  const sources = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(ROOT, 'src', file))
  await esbuild.build({
    entryPoints: [
      ...sources,
      path.join(__dirname, 'connections-raw.ts'),
      path.join(__dirname, 'connections-clients.ts')
    ],
    outdir,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'error'
  })
  // What src/ reads beside itself at run time (../../package.json from src/<folder>/).
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(outdir, 'package.json'))
  return outdir
}

async function freePort(): Promise<number> {
  const net = await import('net')
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => resolve(port))
    })
  })
}

async function getJson(url: string): Promise<any> {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: ${response.status}`)
  return response.json()
}

async function startServer(kind: Kind, built: string, dir: string, heartbeatMs?: number) {
  const port = await freePort()
  const env: Record<string, string | undefined> = { ...process.env, ...SERVER_ENV, PORT: String(port) }
  // NODE_ENV=test (the npm script's) would load config/test.json: ours runs with the defaults.
  delete env.NODE_ENV
  let script = path.join(built, 'test', 'bench', 'connections-raw.js')
  if (kind === 'ours') {
    script = path.join(built, 'src', 'index.js')
    Object.assign(env, {
      NODE_CONFIG_DIR: path.join(ROOT, 'config'),
      DATABASE_URL: `sqlite:${path.join(dir, `ours-${port}.sqlite`)}`
    })
    if (heartbeatMs !== undefined) env.HEARTBEAT_INTERVAL_MS = String(heartbeatMs)
  }
  const log = fs.openSync(path.join(dir, `${kind}-${port}.log`), 'w')
  const child = fork(script, [], { env, execArgv: [], stdio: ['ignore', log, log, 'ipc'] })
  const deadline = Date.now() + 60_000
  // Ready when it answers HTTP (not with a socket.io handshake: its session would linger in the count).
  const probe = kind === 'ours' ? '/health/live' : '/count'
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${probe}`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${kind} server did not start`)
    await sleep(100)
  }
  const count = async (): Promise<number> =>
    kind === 'ours'
      ? (await getJson(`http://127.0.0.1:${port}/connections`)).instance_connections
      : (await getJson(`http://127.0.0.1:${port}/count`)).connections
  return { child, port, count }
}

async function startClients(built: string): Promise<ChildProcess[]> {
  const script = path.join(built, 'test', 'bench', 'connections-clients.js')
  const children = Array.from({ length: PROCESSES }, () => fork(script, [], { execArgv: [] }))
  await Promise.all(children.map((child) => next(child, 'ready')))
  return children
}

async function trial(kind: Kind, built: string, dir: string, heartbeatMs?: number): Promise<Trial> {
  const server = await startServer(kind, built, dir, heartbeatMs)
  const pid = server.child.pid!
  const clients = await startClients(built)
  try {
    await sleep(2000)
    const atStart = rssBytes(pid)
    await sleep(Math.max(0, IDLE_S * 1000 - 2000))
    const idle = rssBytes(pid)
    const shares = clients.map((_, i) => Math.floor(N / PROCESSES) + (i < N % PROCESSES ? 1 : 0))
    const started = performance.now()
    const acceptCpu = cpuMs(pid)
    const done = clients.map((child) => next(child, 'connected'))
    clients.forEach((child, i) => child.send({ start: { port: server.port, n: shares[i], inFlight: IN_FLIGHT } }))
    const results = await Promise.all(done)
    const acceptS = (performance.now() - started) / 1000
    const acceptCpuMs = cpuMs(pid) - acceptCpu
    const failed = results.reduce((sum, r) => sum + r.failed, 0)

    // The heartbeat window: N sockets connected and idle; only the server's timers run.
    await sleep(HEARTBEAT_MS)
    const statsBefore = await Promise.all(clients.map((child) => (child.send({ stats: true }), next(child, 'stats'))))
    const cpuBefore = cpuMs(pid)
    const samples: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      await sleep(HEARTBEAT_MS)
      samples.push(rssBytes(pid))
    }
    const cpuUsed = cpuMs(pid) - cpuBefore
    const statsAfter = await Promise.all(clients.map((child) => (child.send({ stats: true }), next(child, 'stats'))))
    const rss = median(samples)
    const heard = statsAfter.reduce((sum, s, i) => sum + s.stats.heartbeats - statsBefore[i].stats.heartbeats, 0)

    const leaveStarted = performance.now()
    await Promise.all(clients.map((child) => (child.send({ leave: true }), next(child, 'left'))))
    let count = await server.count()
    for (let waited = 0; count > 0 && waited < 30_000; waited += 200) {
      await sleep(200)
      count = await server.count()
    }
    return {
      kind,
      ...(heartbeatMs === undefined ? {} : { heartbeat_ms: heartbeatMs }),
      start_rss_mb: round(atStart / MB),
      idle_rss_mb: round(idle / MB),
      accept_per_s: Math.round((N - failed) / acceptS),
      accept_s: round(acceptS, 2),
      cpu_us_per_accept: Math.round((acceptCpuMs * 1000) / N),
      failed,
      rss_mb: round(rss / MB),
      rss_max_mb: round(Math.max(...samples) / MB),
      bytes_per_conn: Math.round((rss - idle) / N),
      cpu_ms_per_round: round(cpuUsed / ROUNDS, 1),
      heartbeats_per_socket: round(heard / N, 2),
      heartbeat_connections_max: Math.max(...statsAfter.map((s) => s.stats.heartbeatMax)),
      count_after_leave: count,
      leave_s: round((performance.now() - leaveStarted) / 1000, 2)
    }
  } finally {
    for (const child of [...clients, server.child]) if (child.exitCode === null) child.kill('SIGKILL')
  }
}

function summarize(trials: Trial[], beat: Trial) {
  const of = (kind: Kind, key: keyof Trial) =>
    round(median(trials.filter((t) => t.kind === kind).map((t) => t[key] as number)))
  const raw = (key: keyof Trial) => of('raw', key)
  const ours = (key: keyof Trial) => of('ours', key)
  return {
    n: N,
    trials: TRIALS,
    client_processes: PROCESSES,
    in_flight_per_process: IN_FLIGHT,
    heartbeat_ms: HEARTBEAT_MS,
    heartbeat_rounds: ROUNDS,
    raw_accept_per_s: raw('accept_per_s'),
    ours_accept_per_s: ours('accept_per_s'),
    accept_ratio: round(ours('accept_per_s') / raw('accept_per_s'), 2),
    raw_cpu_us_per_accept: raw('cpu_us_per_accept'),
    ours_cpu_us_per_accept: ours('cpu_us_per_accept'),
    accept_cpu_ratio: round(ours('cpu_us_per_accept') / raw('cpu_us_per_accept'), 2),
    // What one server core could accept if the clients were free: 1 s of CPU / the CPU per accept.
    raw_accepts_per_cpu_s: Math.round(1e6 / raw('cpu_us_per_accept')),
    ours_accepts_per_cpu_s: Math.round(1e6 / ours('cpu_us_per_accept')),
    idle_after_s: IDLE_S,
    raw_start_rss_mb: raw('start_rss_mb'),
    ours_start_rss_mb: ours('start_rss_mb'),
    raw_idle_rss_mb: raw('idle_rss_mb'),
    ours_idle_rss_mb: ours('idle_rss_mb'),
    raw_rss_mb: raw('rss_mb'),
    ours_rss_mb: ours('rss_mb'),
    raw_rss_max_mb: raw('rss_max_mb'),
    ours_rss_max_mb: ours('rss_max_mb'),
    raw_bytes_per_conn: raw('bytes_per_conn'),
    ours_bytes_per_conn: ours('bytes_per_conn'),
    raw_idle_cpu_ms_per_round: raw('cpu_ms_per_round'),
    ours_idle_cpu_ms_per_round: ours('cpu_ms_per_round'),
    ours_heartbeat_cpu_ms: beat.cpu_ms_per_round,
    ours_heartbeat_connections: beat.heartbeat_connections_max,
    ours_heartbeat_run_cpu_us_per_accept: beat.cpu_us_per_accept,
    raw_count_after_leave: Math.max(...trials.filter((t) => t.kind === 'raw').map((t) => t.count_after_leave)),
    ours_count_after_leave: Math.max(...trials.filter((t) => t.kind === 'ours').map((t) => t.count_after_leave)),
    failed: trials.reduce((sum, t) => sum + t.failed, 0)
  }
}

function printTable(trials: Trial[], summary: ReturnType<typeof summarize>) {
  const header = [
    'trial',
    'server',
    'accept/s',
    'CPU us/accept',
    'start MB',
    'idle MB',
    `MB @${N}`,
    'max MB',
    'B/conn',
    'CPU ms/round',
    'beats/sock',
    'after'
  ]
  const rows: (string | number)[][] = trials.map((t, i) => [
    Math.floor(i / 2) + 1,
    t.kind,
    t.accept_per_s,
    t.cpu_us_per_accept,
    t.start_rss_mb,
    t.idle_rss_mb,
    t.rss_mb,
    t.rss_max_mb,
    t.bytes_per_conn,
    t.cpu_ms_per_round,
    t.heartbeats_per_socket,
    t.count_after_leave
  ])
  const ratio = (ours: number, raw: number) => `${(ours / raw).toFixed(2)}x`
  rows.push(
    [
      'median',
      'raw',
      summary.raw_accept_per_s,
      summary.raw_cpu_us_per_accept,
      summary.raw_start_rss_mb,
      summary.raw_idle_rss_mb,
      summary.raw_rss_mb,
      summary.raw_rss_max_mb,
      summary.raw_bytes_per_conn,
      summary.raw_idle_cpu_ms_per_round,
      '',
      summary.raw_count_after_leave
    ],
    [
      'median',
      'ours',
      summary.ours_accept_per_s,
      summary.ours_cpu_us_per_accept,
      summary.ours_start_rss_mb,
      summary.ours_idle_rss_mb,
      summary.ours_rss_mb,
      summary.ours_rss_max_mb,
      summary.ours_bytes_per_conn,
      summary.ours_idle_cpu_ms_per_round,
      '',
      summary.ours_count_after_leave
    ],
    [
      '',
      'ours/raw',
      ratio(summary.ours_accept_per_s, summary.raw_accept_per_s),
      ratio(summary.ours_cpu_us_per_accept, summary.raw_cpu_us_per_accept),
      ratio(summary.ours_start_rss_mb, summary.raw_start_rss_mb),
      ratio(summary.ours_idle_rss_mb, summary.raw_idle_rss_mb),
      ratio(summary.ours_rss_mb, summary.raw_rss_mb),
      ratio(summary.ours_rss_max_mb, summary.raw_rss_max_mb),
      ratio(summary.ours_bytes_per_conn, summary.raw_bytes_per_conn),
      '',
      '',
      ''
    ]
  )
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)))
  const line = (cells: unknown[]) => cells.map((cell, i) => String(cell).padStart(widths[i])).join('  ')
  console.log(line(header))
  for (const row of rows) console.log(line(row))
}

async function main() {
  const startedAt = Date.now()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-connections-'))
  const built = await compile()
  console.log(
    `bench:connections: N = ${N} in ${PROCESSES} client processes (${IN_FLIGHT} handshakes in flight each), ` +
      `${TRIALS} trials, heartbeat ${HEARTBEAT_MS} ms x ${ROUNDS}${Object.keys(SERVER_ENV).length ? `, server env ${JSON.stringify(SERVER_ENV)}` : ''}`
  )
  const trials: Trial[] = []
  let beat: Trial
  try {
    for (let i = 0; i < TRIALS; i++) {
      const order: Kind[] = i % 2 === 0 ? ['raw', 'ours'] : ['ours', 'raw']
      for (const kind of order) {
        const result = await trial(kind, built, dir)
        console.log(`  trial ${i + 1} ${kind}: ${JSON.stringify(result)}`)
        trials.push(result)
      }
    }
    beat = await trial('ours', built, dir, HEARTBEAT_MS)
    console.log(`  heartbeat run (ours, heartbeat ${HEARTBEAT_MS} ms): ${JSON.stringify(beat)}`)
  } finally {
    fs.rmSync(built, { recursive: true, force: true })
  }
  // The servers' logs and databases are kept only when something failed (for a look at them).
  fs.rmSync(dir, { recursive: true, force: true })
  const summary = summarize(trials, beat!)
  printTable(trials, summary)
  console.log(
    `heartbeat run (ours, heartbeat ${HEARTBEAT_MS} ms, ${summary.ours_heartbeat_connections} connections): ` +
      `${summary.ours_heartbeat_cpu_ms} ms CPU per heartbeat round`
  )
  const report = {
    command: 'npm run bench:connections',
    note:
      'medians over trials; accept = N / time from go to the last connect ack; RSS from /proc (start: 2 s after the ' +
      'server answers, idle: idle_after_s after it, both before any client; ours gives memory back every 2 s, ' +
      'MEMORY_TRIM_MS; *_rss_mb with the N connected: the median of one sample per round over the heartbeat window ' +
      '(heartbeat_rounds x heartbeat_ms), *_rss_max_mb the largest sample); ' +
      'ours runs with its default 30 s heartbeat; ours_heartbeat_cpu_ms = server user+system CPU per round in one ' +
      'more run of ours with a heartbeat every heartbeat_ms (heartbeat_run), *_idle_cpu_ms_per_round the same window ' +
      "in the trials (pings, and ours' one 30 s heartbeat); " +
      'accept_per_s includes the client processes on the same machine: where they are the bottleneck (few or busy ' +
      'cores) both servers show about the same rate, and cpu_us_per_accept (server CPU in the accept phase / N) is ' +
      "the server's own cost",
    generated_at: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    server_env: SERVER_ENV,
    run_s: Math.round((Date.now() - startedAt) / 1000),
    cases: [{ ...summary, trials_detail: trials, heartbeat_run: beat! }]
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n')
  console.log(`\nwrote ${path.relative(process.cwd(), OUT)} in ${report.run_s} s`)
  const targets = [
    [`accept >= 0.95x raw (${summary.accept_ratio}x)`, summary.accept_ratio >= 0.95],
    [`server CPU per accept <= 1/0.95 of raw's (${summary.accept_cpu_ratio}x)`, summary.accept_cpu_ratio <= 1 / 0.95],
    [`idle RSS <= 90 MB (${summary.ours_idle_rss_mb} MB)`, summary.ours_idle_rss_mb <= 90],
    [`RSS with ${N} <= 220 MB (${summary.ours_rss_mb} MB)`, summary.ours_rss_mb <= 220],
    [`count back to 0 (${summary.ours_count_after_leave})`, summary.ours_count_after_leave === 0]
  ] as const
  for (const [what, met] of targets) console.log(`${met ? 'target met' : 'target missed'}: ${what}`)
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
