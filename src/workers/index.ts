// WORKERS > 1: this process is the primary (Node's cluster module). It holds the port and hands
// each connection to a worker with @socket.io/sticky (least connections first; a long-polling
// session's later requests go to the worker that holds its sid), relays the workers' adapter
// messages (@socket.io/cluster-adapter, when REDIS_URL is unset), restarts a worker that dies and,
// on SIGTERM/SIGINT, lets every worker drain before it exits. It loads no app code: the workers do.
//
// Start-up is two steps: worker 1 alone first (it runs the migrations and marks what the previous
// start left unfinished - src/workers/role.ts), then the others side by side; the port opens once
// all are ready, so no request meets a worker that is still migrating.
import cluster, { type Worker } from 'cluster'
import http from 'http'
import { setupMaster } from '@socket.io/sticky'
import { setupPrimary as relayAdapterMessages } from '@socket.io/cluster-adapter'
import type { ApplicationConfiguration } from '../configuration'
import type { Logger } from '../observability/logger'
import { WORKER_INDEX_ENV, WORKER_READY, WORKER_RECOVERS_ENV } from './role'
import { confirmStickyBinds } from './sticky-bind'

/** A worker that lived shorter than this before dying is restarted after a growing pause. */
const QUICK_DEATH_MS = 10_000
const MAX_RESTART_PAUSE_MS = 30_000

/** ts-node (npm run dev) is not in execArgv when started through its own binary: workers need it too. */
function workerExecArgv() {
  const script = process.argv[1] ?? ''
  const hasTsNode = process.execArgv.some((arg) => arg.includes('ts-node'))
  return script.endsWith('.ts') && !hasTsNode
    ? [...process.execArgv, '-r', 'ts-node/register/transpile-only']
    : process.execArgv
}

interface Place {
  index: number
  startedAt: number
  /** Deaths in a row that came soon after a start (for the pause before the next one). */
  quickDeaths: number
}

export class Primary {
  private readonly server = http.createServer()
  private readonly places = new Map<Worker, Place>()
  private stopping = false

  constructor(
    private readonly settings: ApplicationConfiguration,
    private readonly log: Logger
  ) {
    // 'advanced' (structured clone): sticky hands each connection's first bytes over as a Buffer.
    cluster.setupPrimary({ exec: process.argv[1], execArgv: workerExecArgv(), serialization: 'advanced' })
    // Without Redis the workers' adapter messages (broadcasts, counts) go through here.
    if (!settings.redisUrl) relayAdapterMessages()
    setupMaster(this.server, { loadBalancingMethod: 'least-connection' })
    // After setupMaster: its listener must record a sid before this one confirms it.
    confirmStickyBinds()
  }

  /** Starts the workers, then opens the port; resolves with the address it listens on. */
  async start(): Promise<string> {
    const count = this.settings.workers
    await this.ready(this.fork(1, true))
    await Promise.all(Array.from({ length: count - 1 }, (_, i) => this.ready(this.fork(i + 2, false))))
    cluster.on('exit', (worker, code, signal) => this.exited(worker, code, signal))
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.settings.port, this.settings.host, () => resolve())
    })
    const address = this.server.address()
    return typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
  }

  private fork(index: number, recovers: boolean, quickDeaths = 0): Worker {
    const env: Record<string, string> = {
      [WORKER_INDEX_ENV]: String(index),
      [WORKER_RECOVERS_ENV]: recovers ? '1' : '0'
    }
    // One INSTANCE_ID for the machine: each worker's is told apart by its place.
    if (this.settings.instanceId) env.INSTANCE_ID = `${this.settings.instanceId}-w${index}`
    const worker = cluster.fork(env)
    this.places.set(worker, { index, startedAt: Date.now(), quickDeaths })
    return worker
  }

  /** Waits for a starting worker's ready message; a worker that dies first fails the start. */
  private ready(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type?: string } | undefined) => {
        if (message?.type !== WORKER_READY) return
        worker.off('exit', onExit)
        worker.off('message', onMessage)
        resolve()
      }
      const onExit = (code: number | null, signal: string | null) =>
        reject(
          new Error(`worker ${this.places.get(worker)?.index} exited during start-up (${signal ?? `code ${code}`})`)
        )
      worker.on('message', onMessage)
      worker.once('exit', onExit)
    })
  }

  /** A worker died while the machine runs: say so and start another in its place. */
  private exited(worker: Worker, code: number | null, signal: string | null) {
    const place = this.places.get(worker)
    this.places.delete(worker)
    if (this.stopping || !place) return
    const lived = Date.now() - place.startedAt
    const quickDeaths = lived < QUICK_DEATH_MS ? place.quickDeaths + 1 : 0
    const pause = quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_PAUSE_MS, 500 * 2 ** quickDeaths)
    this.log.error(
      `worker ${place.index} (pid ${worker.process.pid}) died (${signal ?? `code ${code}`}) after ${lived} ms: ` +
        `restarting it${pause ? ` in ${pause} ms` : ''}`
    )
    setTimeout(() => {
      if (this.stopping) return
      const next = this.fork(place.index, false, quickDeaths)
      this.ready(next).then(
        () => this.log.info(`worker ${place.index} restarted (pid ${next.process.pid})`),
        (error) => this.log.error(String(error))
      )
    }, pause)
  }

  /**
   * Every worker drains (ready 503, new sockets refused, connected ones told to reconnect, running
   * answers and test runs get SHUTDOWN_GRACE_MS) and exits; then the port closes. A worker that
   * hangs is killed after the grace period and 15 s more.
   */
  async stop(): Promise<number> {
    this.stopping = true
    const workers = [...this.places.keys()]
    const exits = workers.map(
      (worker) => new Promise<number>((resolve) => worker.once('exit', (code) => resolve(code ?? 1)))
    )
    for (const worker of workers) worker.process.kill('SIGTERM')
    const force = setTimeout(
      () => workers.forEach((worker) => worker.process.kill('SIGKILL')),
      this.settings.shutdownGraceMs + 15_000
    )
    const codes = await Promise.all(exits)
    clearTimeout(force)
    // The port closes; the process exits next (runPrimary), so nothing waits for connections
    // the primary still tracks (sticky handed them to workers that are gone now).
    this.server.close()
    return codes.every((code) => code === 0) ? 0 : 1
  }

  /** A second signal: no more waiting. */
  kill() {
    for (const worker of this.places.keys()) worker.process.kill('SIGKILL')
  }
}

/** `npm start` with WORKERS > 1 (src/index.ts). */
export async function runPrimary(settings: ApplicationConfiguration, log: Logger) {
  const primary = new Primary(settings, log)
  const where = await primary.start().catch((error) => {
    // A worker that cannot start (a database it cannot open, say): the others go too.
    primary.kill()
    throw error
  })
  log.info(
    `vibecode-realtime listening on http://${where} (${settings.workers} workers, ` +
      `${settings.redisUrl ? 'redis adapter' : 'cluster adapter'}, primary pid ${process.pid})`
  )
  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: killing the workers without waiting`)
      primary.kill()
      process.exit(1)
    }
    stopping = true
    log.info(`${signal}: every worker drains (SHUTDOWN_GRACE_MS=${settings.shutdownGraceMs}), then stops`)
    const code = await primary.stop()
    log.info('stopped')
    process.exit(code)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}
