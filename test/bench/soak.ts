// Soak (`npm run soak`; not part of `npm test`): issue 8, item 7. The real app (createApp +
// startServer, compiled to JavaScript as `npm start` runs it, the 30 s heartbeat of
// config/default.json, AUTH=off, the event log in a SQLite file in a temporary folder) in its own
// process; SOAK_CLIENTS socket.io clients (default 500) in
// SOAK_CLIENT_PROCESSES separate processes (default 2, soak-clients.ts) churning for SOAK_MINUTES
// (default 3; fractions allowed): connect over websocket, polling or polling + upgrade, subscribe to
// one of SOAK_PROJECTS projects (half the time resuming with `since`), sometimes send garbage or a
// malformed packet, stay up to SOAK_STAY_MS, leave politely or abruptly. Halfway through, one client
// process is SIGKILLed (all its sockets drop at once) and replaced. Meanwhile the server publishes
// test_result events (SOAK_PUBLISH_PER_S) and REST creates sessions and renames projects.
//
// At the end it waits for the connection count to settle (at most SOAK_SETTLE_S; a polling client
// that vanished between two polls is noticed by socket.io's ping timeout, 25 + 20 s), prints it (it
// must be 0), the server's RSS before (after a GC), its peak and after (after a GC), the cycles
// completed and the errors seen (5xx, acks unanswered within SOAK_ACK_TIMEOUT_MS, seq gaps,
// warn/error log lines), and writes evidence/bench/soak.json. It exits non-zero when the count (or
// engine.io's, the namespace's, the project rooms') is not 0, or on any 5xx, unanswered ack, seq
// gap, failed publish or error log line. Loopback only; every process stops by itself.
//
//   SOAK_CLIENTS=500 SOAK_MINUTES=3 npm run soak
import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'

const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 500)
const MINUTES = Number(process.env.SOAK_MINUTES ?? 3)
const PROCESSES = Math.max(1, Number(process.env.SOAK_CLIENT_PROCESSES ?? 2))
const PROJECTS = Math.max(1, Number(process.env.SOAK_PROJECTS ?? 4))
const STAY_MS = Number(process.env.SOAK_STAY_MS ?? 2000)
const PUBLISH_PER_S = Number(process.env.SOAK_PUBLISH_PER_S ?? 20)
const REST_PER_S = Number(process.env.SOAK_REST_PER_S ?? 4)
const SETTLE_S = Number(process.env.SOAK_SETTLE_S ?? 90)
const ACK_TIMEOUT_MS = Number(process.env.SOAK_ACK_TIMEOUT_MS ?? 30_000)
const KILL = process.env.SOAK_KILL !== '0'
const SEED = Number(process.env.SOAK_SEED ?? 0x50a4)
const OUT = path.join(__dirname, '..', '..', 'evidence', 'bench', 'soak.json')
const MB = 1024 * 1024
const execArgv = ['-r', 'ts-node/register/transpile-only']

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The next message of a child that has `key`; rejects on an error report or an exit. */
function next(child: ChildProcess, key: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: any) => {
      if (message.error) done(() => reject(new Error(message.error)))
      else if (key in message) done(() => resolve(message[key]))
    }
    const onExit = (code: number | null, signal: string | null) =>
      done(() => reject(new Error(`${key}: child exited with ${code ?? signal}`)))
    const done = (then: () => void) => {
      child.off('message', onMessage)
      child.off('exit', onExit)
      then()
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
  })
}

// ---- the parent: server, clients, report ---------------------------------------------------------

type ClientStats = Record<string, any>

/** Adds client stats together (numbers and one level of counts by key; examples concatenated). */
function merge(all: ClientStats[]): ClientStats {
  const total: ClientStats = {}
  for (const stats of all) {
    for (const [key, value] of Object.entries(stats)) {
      if (typeof value === 'number') total[key] = (total[key] ?? 0) + value
      else if (Array.isArray(value)) total[key] = [...(total[key] ?? []), ...value].slice(0, 20)
      else if (value && typeof value === 'object') {
        total[key] ??= {}
        for (const [k, v] of Object.entries(value as Record<string, number>)) total[key][k] = (total[key][k] ?? 0) + v
      }
    }
  }
  return total
}

interface ClientProcess {
  child: ChildProcess
  last: ClientStats
  done?: Promise<ClientStats>
}

function startClients(url: string, projects: number[], clients: number, until: number, seed: number): ClientProcess {
  const child = fork(path.join(__dirname, 'soak-clients.ts'), [], { execArgv })
  const entry: ClientProcess = { child, last: {} }
  child.on('message', (message: any) => {
    if (message.progress) entry.last = message.progress
    if (message.done) entry.last = message.done
  })
  entry.done = next(child, 'done')
  entry.done.catch(() => undefined)
  child.send({ start: { url, projects, clients, until, seed, stayMs: STAY_MS, ackTimeoutMs: ACK_TIMEOUT_MS } })
  return entry
}

const ROOT = path.join(__dirname, '..', '..')

/**
 * src/ and this file as plain JavaScript (esbuild, one file each, no bundling, no type check), so
 * the server runs compiled as `npm start` runs it: under ts-node its RSS would carry the TypeScript
 * compiler too. The output sits under node_modules/.cache (its packages resolve from there).
 */
async function compileServer(): Promise<string> {
  const esbuild = await import('esbuild')
  fs.mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true })
  const outdir = fs.mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'vibecode-soak-'))
  const sources = (fs.readdirSync(path.join(ROOT, 'src'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => path.join(ROOT, 'src', file))
  await esbuild.build({
    entryPoints: [...sources, __filename],
    outdir,
    outbase: ROOT,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'error'
  })
  return outdir
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-'))
  const compiled = await compileServer()
  const server = fork(path.join(compiled, path.relative(ROOT, __filename).replace(/\.ts$/, '.js')), ['server'], {
    execArgv: ['--expose-gc'],
    // The compiled configuration.ts looks for config/ beside itself: point it at the real one.
    env: { ...process.env, SOAK_DB: path.join(dir, 'soak.sqlite'), NODE_CONFIG_DIR: path.join(ROOT, 'config') }
  })
  const children: ChildProcess[] = [server]
  const durationMs = Math.round(MINUTES * 60_000)
  // Bounded in time whatever happens: run + settle + two minutes.
  const watchdog = setTimeout(
    () => {
      console.error('soak: over its time budget, stopping')
      for (const child of children) child.kill('SIGKILL')
      process.exit(2)
    },
    durationMs + (SETTLE_S + 120) * 1000
  )
  watchdog.unref()
  try {
    server.send({ listen: true })
    const { url, projects, before } = await next(server, 'listening')
    console.log(
      `soak: server ${url} (pid ${server.pid}), ${projects.length} projects, RSS before ${before.rss_mb} MB ` +
        `(heap ${before.heap_mb} MB); ${CLIENTS} clients in ${PROCESSES} processes for ${MINUTES} min`
    )
    server.send({ go: true })
    const startedAt = Date.now()
    const until = startedAt + durationMs
    const shares = Array.from(
      { length: PROCESSES },
      (_, i) => Math.floor(CLIENTS / PROCESSES) + (i < CLIENTS % PROCESSES ? 1 : 0)
    )
    const processes = shares.map((n, i) => startClients(url, projects, n, until, SEED + i))
    children.push(...processes.map((p) => p.child))
    const finished: ClientProcess[] = [...processes]

    // Halfway: SIGKILL the last client process (every socket it holds drops at once) and replace it.
    let killed: { at_s: number; clients: number; count_before: number } | undefined
    const progress = setInterval(() => server.send({ progress: true }), 15_000)
    server.on('message', (message: any) => {
      if (!message.progress) return
      const cycles = finished.reduce((sum, p) => sum + (p.last.cycles ?? 0), 0)
      console.log(
        `  ${Math.round((Date.now() - startedAt) / 1000)} s: ${message.progress.connections} connected, ` +
          `RSS ${message.progress.rss_mb} MB, ${cycles} cycles`
      )
    })
    if (KILL && durationMs >= 20_000) {
      await sleep(durationMs / 2)
      const victim = processes[processes.length - 1]
      server.send({ progress: true })
      const countBefore = (await next(server, 'progress')).connections
      victim.child.kill('SIGKILL')
      killed = { at_s: Math.round((Date.now() - startedAt) / 1000), clients: shares.at(-1)!, count_before: countBefore }
      console.log(`  ${killed.at_s} s: SIGKILLed a client process holding ${killed.clients} clients`)
      const replacement = startClients(url, projects, shares.at(-1)!, until, SEED + 1000)
      children.push(replacement.child)
      finished.push(replacement)
      processes[processes.length - 1] = replacement
    }
    await Promise.all(processes.map((p) => p.done!))
    clearInterval(progress)
    const clientsDoneAt = Date.now()
    // Each process's last report: its `done` (a finished one), or its last progress (the killed one).
    const clientStats = merge(finished.map((p) => p.last))
    server.send({ stop: true })
    const published = await next(server, 'stopped')
    server.send({ settle: { timeoutMs: SETTLE_S * 1000 } })
    const settled = await next(server, 'settled')

    const errors = {
      rest_5xx: published.rest.status_5xx,
      rest_failed: published.rest.failed,
      publish_failed: published.publish.failed,
      ack_5xx: clientStats.acks_5xx ?? 0,
      acks_unanswered: clientStats.acks_unanswered ?? 0,
      seq_gaps: clientStats.seq_gaps ?? 0,
      seq_duplicates: clientStats.seq_duplicates ?? 0,
      connect_errors: clientStats.connect_errors ?? {},
      unexpected_disconnects: clientStats.unexpected_disconnects ?? {},
      server_log_warn: settled.logs.warn,
      server_log_error: settled.logs.error,
      server_log_examples: settled.logs.examples,
      uncaught: settled.uncaught
    }
    const countAfter = settled.count
    const ok =
      countAfter === 0 &&
      Object.values(settled.counts).every((n) => n === 0) &&
      errors.rest_5xx === 0 &&
      errors.rest_failed === 0 &&
      errors.publish_failed === 0 &&
      errors.ack_5xx === 0 &&
      errors.acks_unanswered === 0 &&
      errors.seq_gaps === 0 &&
      errors.server_log_error === 0 &&
      errors.uncaught === 0
    const report = {
      command: 'npm run soak',
      server:
        'createApp + startServer in a child process, src/ compiled by esbuild; NODE_ENV=test settings with the deployed 30 s heartbeat, AUTH=off, SQLite file',
      settings: {
        SOAK_CLIENTS: CLIENTS,
        SOAK_MINUTES: MINUTES,
        SOAK_CLIENT_PROCESSES: PROCESSES,
        SOAK_PROJECTS: PROJECTS,
        SOAK_STAY_MS: STAY_MS,
        SOAK_PUBLISH_PER_S: PUBLISH_PER_S,
        SOAK_REST_PER_S: REST_PER_S,
        SOAK_SETTLE_S: SETTLE_S,
        SOAK_ACK_TIMEOUT_MS: ACK_TIMEOUT_MS,
        SOAK_KILL: KILL,
        SOAK_SEED: SEED
      },
      clients: CLIENTS,
      minutes: MINUTES,
      cycles: clientStats.cycles ?? 0,
      cycles_per_s: Math.round(((clientStats.cycles ?? 0) / ((clientsDoneAt - startedAt) / 1000)) * 10) / 10,
      count_after: countAfter,
      counts_after: settled.counts,
      settle_ms: settled.settle_ms,
      open_when_clients_done: settled.at_settle_start,
      settle_trace: settled.settle_trace,
      rss_before_mb: before.rss_mb,
      rss_peak_mb: settled.rss_peak_mb,
      rss_after_mb: settled.after.rss_mb,
      heap_before_mb: before.heap_mb,
      heap_after_mb: settled.after.heap_mb,
      connections_peak: settled.connections.peak,
      connects_total: settled.connections.connectsTotal,
      disconnects_total: settled.connections.disconnectsTotal,
      server_cpu_s: settled.cpu_s,
      killed_client_process: killed ?? null,
      errors,
      ok,
      published,
      client_stats: clientStats,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, load average ${os
        .loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')} at the end`,
      date: new Date().toISOString()
    }
    fs.mkdirSync(path.dirname(OUT), { recursive: true })
    fs.writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n')

    console.log(`\nsoak: ${CLIENTS} clients, ${MINUTES} min, ${report.cycles} cycles (${report.cycles_per_s}/s)`)
    console.log(
      `connection count after: ${countAfter} (settled in ${settled.settle_ms} ms; ` +
        `engine.io ${settled.counts.engine_clients}, sockets ${settled.counts.namespace_sockets}, ` +
        `project rooms ${settled.counts.project_rooms}, slow-consumer holdings ${settled.counts.slow_consumer_holdings})`
    )
    console.log(
      `server RSS: before ${before.rss_mb} MB, peak ${settled.rss_peak_mb} MB, after ${settled.after.rss_mb} MB ` +
        `(heap ${before.heap_mb} -> ${settled.after.heap_mb} MB)`
    )
    console.log(
      `errors: ${errors.rest_5xx} REST 5xx, ${errors.ack_5xx} ack 5xx, ${errors.acks_unanswered} unanswered acks, ` +
        `${errors.seq_gaps} seq gaps, ${errors.seq_duplicates} duplicates, ${errors.server_log_error} error log lines ` +
        `(${errors.server_log_warn} warn), connect errors ${JSON.stringify(errors.connect_errors)}, ` +
        `unexpected disconnects ${JSON.stringify(errors.unexpected_disconnects)}`
    )
    console.log(`written to ${path.relative(process.cwd(), OUT)}`)
    console.log(ok ? 'soak: ok' : 'soak: FAILED')
    return ok
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    fs.rmSync(dir, { recursive: true, force: true })
    fs.rmSync(compiled, { recursive: true, force: true })
  }
}

// ---- the server process --------------------------------------------------------------------------

async function serve() {
  // In the server process only (the parent does not load the app). require, not import(): esbuild
  // leaves a dynamic import() an ESM import, which does not resolve extensionless paths.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { createApp } = require('../../src/app') as typeof import('../../src/app')
  const { startServer } = require('../../src/http') as typeof import('../../src/http')
  /* eslint-enable @typescript-eslint/no-require-imports */
  const gc = (globalThis as { gc?: () => void }).gc!
  let uncaught = 0
  process.on('uncaughtException', (error) => {
    uncaught++
    console.error('soak server: uncaught', error)
  })
  process.on('unhandledRejection', (error) => {
    uncaught++
    console.error('soak server: unhandled rejection', error)
  })
  // Warn and error lines of the app's log are counted (and a few kept), not printed.
  const logs = { warn: 0, error: 0, examples: [] as string[] }
  const logDestination = {
    write(line: string) {
      const level = (JSON.parse(line) as { level?: number }).level ?? 0
      if (level >= 50) logs.error++
      else if (level >= 40) logs.warn++
      if (level >= 40 && logs.examples.length < 10) logs.examples.push(line.slice(0, 400))
    }
  }
  const app = createApp({
    port: 0,
    host: '127.0.0.1',
    database: `sqlite:${process.env.SOAK_DB}`,
    // As deployed (config/default.json), not config/test.json's 200 ms beat.
    heartbeatIntervalMs: 30_000,
    logLevel: 'warn',
    logDestination
  } as Parameters<typeof createApp>[0])
  const server = await startServer(app)
  const { port } = server.address() as { port: number }
  const url = `http://127.0.0.1:${port}`
  const rest = { requests: 0, status: {} as Record<string, number>, status_5xx: 0, failed: 0 }
  const request = async (method: string, route: string, body: object) => {
    rest.requests++
    try {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
      const text = await response.text()
      rest.status[response.status] = (rest.status[response.status] ?? 0) + 1
      if (response.status >= 500) rest.status_5xx++
      return response.ok ? (JSON.parse(text) as { id: number }) : undefined
    } catch (error) {
      rest.failed++
      console.error('soak server: REST', method, route, String(error))
      return undefined
    }
  }
  const projects: number[] = []
  for (let i = 0; i < PROJECTS; i++) {
    const project = await request('POST', '/projects', { name: `soak ${i + 1}` })
    if (!project) throw new Error('could not create a project')
    projects.push(project.id)
  }

  const memory = () => {
    const m = process.memoryUsage()
    return { rss_mb: mb(m.rss), heap_mb: mb(m.heapUsed) }
  }
  const settleMemory = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await sleep(200)
    }
    return memory()
  }
  const before = await settleMemory()
  process.send!({ listening: { url, projects, before } })

  await next(process as unknown as ChildProcess, 'go')
  const cpuStart = process.cpuUsage()
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100)
  let publishing = true
  const publish = { events: 0, failed: 0 }
  const publisher = (async () => {
    while (publishing) {
      const projectId = projects[publish.events % projects.length]
      try {
        await app.realtime.publish(projectId, 'test_result', {
          run_id: 1,
          name: `soak ${publish.events}`,
          ok: true,
          skipped: false
        })
      } catch (error) {
        publish.failed++
        console.error('soak server: publish', String(error))
      }
      publish.events++
      await sleep(1000 / PUBLISH_PER_S)
    }
  })()
  const writer = (async () => {
    for (let i = 0; publishing; i++) {
      const projectId = projects[i % projects.length]
      if (i % 10 === 9) await request('PATCH', `/projects/${projectId}`, { name: `soak ${projectId} (${i})` })
      else await request('POST', '/sessions', { project_id: projectId })
      await sleep(1000 / REST_PER_S)
    }
  })()
  process.on('message', (message: any) => {
    if (message.progress)
      process.send!({ progress: { connections: app.realtime.tracker.count, rss_mb: mb(process.memoryUsage().rss) } })
  })

  await next(process as unknown as ChildProcess, 'stop')
  publishing = false
  await Promise.all([publisher, writer])
  process.send!({ stopped: { publish, rest } })

  const { timeoutMs } = await next(process as unknown as ChildProcess, 'settle')
  const io = app.io as import('socket.io').Server
  const slowConsumers = app.realtime.slowConsumers as unknown as { holdings: Set<unknown> }
  const counts = () => ({
    tracker: app.realtime.tracker.count,
    engine_clients: io.engine.clientsCount,
    namespace_sockets: io.of('/').sockets.size,
    project_rooms: app.realtime.tracker.projectRooms.size,
    slow_consumer_holdings: slowConsumers.holdings.size
  })
  const zero = () => Object.values(counts()).every((n) => n === 0)
  // The sockets still open when the clients are done, by transport and state: what the settle waits for.
  const lingering = () => {
    const kinds: Record<string, number> = {}
    for (const socket of io.of('/').sockets.values()) {
      const conn = socket.conn as unknown as { transport: { name: string }; readyState: string; upgrading: boolean }
      const { soak_leave: leave, soak_transport: kind } = socket.handshake.query
      const key = `${kind} (now ${conn.transport.name}, ${conn.readyState}${conn.upgrading ? ', upgrading' : ''}), leave: ${leave}`
      kinds[key] = (kinds[key] ?? 0) + 1
    }
    return kinds
  }
  const atSettleStart = { counts: counts(), sockets: lingering() }
  const settleStart = Date.now()
  let settleMs: number | null = null
  const trace: { at_ms: number; tracker: number; engine_clients: number; sockets: Record<string, number> }[] = []
  while (Date.now() - settleStart < timeoutMs) {
    if (trace.length === 0 || Date.now() - settleStart - trace.at(-1)!.at_ms >= 1000) {
      const c = counts()
      trace.push({
        at_ms: Date.now() - settleStart,
        tracker: c.tracker,
        engine_clients: c.engine_clients,
        sockets: lingering()
      })
    }
    if (zero()) {
      settleMs ??= Date.now() - settleStart
      // Still zero a second later: settled, not passing through.
      if (Date.now() - settleStart - settleMs >= 1000) break
    } else settleMs = null
    await sleep(50)
  }
  clearInterval(sampler)
  const cpu = process.cpuUsage(cpuStart)
  const after = await settleMemory()
  process.send!({
    settled: {
      count: app.realtime.tracker.count,
      counts: counts(),
      settle_ms: settleMs,
      at_settle_start: atSettleStart,
      settle_trace: trace.filter((t) => t.tracker + t.engine_clients > 0),
      connections: app.realtime.tracker.stats(),
      rss_peak_mb: mb(peak),
      after,
      cpu_s: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      logs,
      uncaught
    }
  })
}

if (process.argv[2] === 'server') {
  process.once('message', () =>
    serve().catch((error) => {
      process.send!({ error: String(error?.stack ?? error) })
      process.exit(1)
    })
  )
  process.on('disconnect', () => process.exit(0))
} else {
  main().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
