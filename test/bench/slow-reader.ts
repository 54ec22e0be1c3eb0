// Slow-reader benchmark (`npm run bench:slow-reader`; not part of `npm test`): the scenario of
// issue 8. One client subscribes and never reads again while it answers pings; another reads
// normally; the server publishes 6,000 logged events of 50 KB to their project. It prints the
// server's RSS at the start (after a GC), its peak (sampled every 20 ms) and at the end (after a
// GC), with the default SLOW_CONSUMER_MAX_BYTES (8 MB) - the bound is start + 8 MB + 64 MB - and
// then lets the cut reader read again and resume with `since`. BENCH_UNBOUNDED=1 adds the same run
// with both bounds off, for comparison (its RSS grows with every event).
//
// Each case runs its server in a fresh child process (so one case's heap does not blur the next);
// the clients run in another one (slow-reader-clients.ts). The event log is a SQLite file in a
// temporary folder: an in-memory database would count 300 MB of log in the server's RSS.
//
//   BENCH_EVENTS=6000 BENCH_EVENT_BYTES=51200 npm run bench:slow-reader
import { fork } from 'child_process'
import type { ChildProcess } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 6000)
const EVENT_BYTES = Number(process.env.BENCH_EVENT_BYTES ?? 50 * 1024)
const OUT = path.join(__dirname, '..', '..', 'evidence', 'bench', 'slow-reader.json')
const MB = 1024 * 1024
const execArgv = ['-r', 'ts-node/register/transpile-only', '--expose-gc']

type Limits = { slowConsumerMaxBytes?: number; slowConsumerMaxMs?: number }

/** The next message of a child that has `key`; rejects on an error report or an exit. */
function next(child: ChildProcess, key: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: any) => {
      if (message.error) reject(new Error(message.error))
      else if (key in message) {
        child.off('message', onMessage)
        resolve(message[key])
      }
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`${key}: child exited with ${code}`)))
  })
}

async function runCase(name: string, limits: Limits) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slow-reader-'))
  const server = fork(__filename, ['server'], { execArgv, env: { ...process.env, BENCH_DB: path.join(dir, 'db') } })
  const clients = fork(path.join(__dirname, 'slow-reader-clients.ts'), [], { execArgv })
  try {
    server.send({ listen: limits })
    const { url, projectId } = await next(server, 'listening')
    clients.send({ start: { url, projectId } })
    await next(clients, 'ready')
    server.send({ publish: true })
    const published = await next(server, 'published')
    clients.send({ normal: true })
    const normal = await next(clients, 'normal')
    let slow: unknown = 'not resumed: never cut, it would read the whole backlog'
    if (published.slow_consumers.cut > 0) {
      clients.send({ resume: { url, projectId } })
      slow = await next(clients, 'slow')
      server.send({ rss: true })
      slow = { ...(slow as object), server_rss_mb_during_resume: await next(server, 'rss') }
    }
    return { case: name, limits, ...published, normal_reader: normal, slow_reader: slow }
  } finally {
    server.kill()
    clients.kill()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function main() {
  const cases = [await runCase('default limits (SLOW_CONSUMER_MAX_BYTES=8 MB, SLOW_CONSUMER_MAX_MS=30 s)', {})]
  if (process.env.BENCH_UNBOUNDED === '1') {
    cases.push(await runCase('unbounded (both 0: off)', { slowConsumerMaxBytes: 0, slowConsumerMaxMs: 0 }))
  }
  const result = {
    scenario: `${EVENTS} logged events of ${EVENT_BYTES} bytes to one project; one subscriber never reads but answers pings, one reads normally`,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
    date: new Date().toISOString(),
    cases
  }
  for (const c of cases) {
    const rss = c.rss_mb
    console.log(
      `${c.case}: RSS start ${rss.start} MB, peak ${rss.peak} MB, end ${rss.end} MB ` +
        `(peak - start ${rss.peak_minus_start}, bound ${rss.bound_over_start}); cut ${c.slow_consumers.cut}; ` +
        `normal reader p99 ${c.normal_reader.latency_ms.p99} ms`
    )
  }
  fs.mkdirSync(path.dirname(OUT), { recursive: true })
  fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n')
  console.log(`written to ${path.relative(process.cwd(), OUT)}`)
}

// ---- the server process ------------------------------------------------------------------------

async function serve(limits: Limits) {
  const { createApp } = await import('../../src/app')
  const { startServer } = await import('../../src/http')
  const app = createApp({ port: 0, host: '127.0.0.1', database: `sqlite:${process.env.BENCH_DB}`, ...limits })
  const server = await startServer(app)
  const { port } = server.address() as { port: number }
  const url = `http://127.0.0.1:${port}`
  const response = await fetch(`${url}/projects`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'slow reader' })
  })
  const project = (await response.json()) as { id: number }
  process.send!({ listening: { url, projectId: project.id } })
  await next(process as unknown as ChildProcess, 'publish')
  process.send!({ published: await publish(app, project.id) })
  // The resume that follows (a paced replay of what the cut reader missed): RSS meanwhile.
  const rss = () => process.memoryUsage().rss
  const start = rss()
  let peak = start
  let heapPeak = 0
  let externalPeak = 0
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    peak = Math.max(peak, m.rss)
    heapPeak = Math.max(heapPeak, m.heapUsed)
    externalPeak = Math.max(externalPeak, m.external + m.arrayBuffers)
  }, 20)
  await next(process as unknown as ChildProcess, 'rss')
  clearInterval(sampler)
  ;(globalThis as { gc?: () => void }).gc!()
  const after = process.memoryUsage()
  process.send!({
    rss: {
      start: mb(start),
      peak: mb(peak),
      peak_minus_start: mb(peak - start),
      heap_peak: mb(heapPeak),
      external_peak: mb(externalPeak),
      after_gc: { rss: mb(after.rss), heap: mb(after.heapUsed), external: mb(after.external) }
    }
  })
}

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10

async function publish(app: import('../../src/declarations').Application, projectId: number) {
  const gc = (globalThis as { gc?: () => void }).gc!
  const rss = () => process.memoryUsage().rss
  gc()
  const start = rss()
  let peak = start
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 20)
  const padding = 'x'.repeat(EVENT_BYTES)
  const startedAt = Date.now()
  for (let i = 0; i < EVENTS; i++) {
    // The send time rides in the name, for the normal reader's latency.
    await app.realtime.publish(projectId, 'test_result', {
      run_id: 1,
      name: `${i} ${Date.now()} ${padding}`,
      ok: true,
      skipped: false
    })
    // Let I/O run between events, as it does between requests: the normal reader keeps up.
    await new Promise((resolve) => setImmediate(resolve))
  }
  const publishMs = Date.now() - startedAt
  await new Promise((resolve) => setTimeout(resolve, 1000))
  peak = Math.max(peak, rss())
  clearInterval(sampler)
  gc()
  const end = rss()
  const maxBytes = app.get('slowConsumerMaxBytes')
  return {
    events: EVENTS,
    event_bytes: EVENT_BYTES,
    publish_ms: publishMs,
    rss_mb: {
      start: mb(start),
      peak: mb(peak),
      end: mb(end),
      peak_minus_start: mb(peak - start),
      bound_over_start: maxBytes > 0 ? mb(maxBytes + 64 * MB) : null,
      within_bound: maxBytes > 0 ? peak - start <= maxBytes + 64 * MB : null
    },
    slow_consumers: app.realtime.slowConsumers.stats,
    connections_after: app.realtime.tracker.count
  }
}

if (process.argv[2] === 'server') {
  process.once('message', (message: any) =>
    serve(message.listen).catch((error) => {
      process.send!({ error: String(error?.stack ?? error) })
      process.exit(1)
    })
  )
} else {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
