// `npm start`: the server on PORT (8000) with the configured database, until SIGINT/SIGTERM.
// With WORKERS > 1 this process becomes the primary of that many workers (src/workers), each of
// which runs this file again as a full app without a port of its own.
import cluster from 'cluster'
import { ConfigurationError, loadConfiguration, normalizeConfiguration, validateConfiguration } from './configuration'
import type { Application } from './declarations'
import { bootLogger } from './observability/logger'
import { startMemoryTrim } from './observability/memory-trim'

/** The access mode, said once at start-up: who may call, from where, and how. */
function describeAccess(app: Application) {
  const origins = app.get('origins').join(' ')
  if (app.get('auth') === 'off') {
    return (
      `access: AUTH=off, protected mode: loopback only (HOST=${app.get('host')}), every request without a token acts as ` +
      `${app.get('localUser').email}; browser origins: ${origins}. Set AUTH=required and AUTH_SECRET to serve on a network.`
    )
  }
  const platform = app.get('authJwtPublicKey') ? ', platform tokens accepted (AUTH_JWT_PUBLIC_KEY)' : ''
  return (
    `access: AUTH=required, every call needs a token (sign-up ${app.get('authSignup')}, tokens live ${app.get('authTokenTtlS')} s${platform}); ` +
    `browser origins: ${origins}`
  )
}

async function main() {
  // The settings first: a bad one is reported before the rest of the server (model SDKs, metrics,
  // the database driver) has even loaded.
  const settings = validateConfiguration(normalizeConfiguration(loadConfiguration()))
  if (settings.workers > 1 && cluster.isPrimary) {
    const { runPrimary } = await import('./workers')
    return runPrimary(settings, bootLogger())
  }
  const { createApp } = await import('./app')
  const { startServer } = await import('./http')
  const { describeProvider } = await import('./vibecode')
  const { serveWorker } = await import('./workers/worker')
  const { workerIndex } = await import('./workers/role')
  const app = createApp()
  const database = app.get('database').replace(/\/\/[^@/]*@/, '//***@')
  const log = app.logger
  const index = workerIndex()
  if (index !== undefined) {
    await serveWorker(app)
    log.info(`worker ${index} ready (pid ${process.pid}, database ${database}, instance ${app.realtime.instance})`)
  } else {
    const server = await startServer(app)
    const address = server.address()
    const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
    log.info(
      `vibecode-realtime listening on http://${where} (database ${database}, heartbeat ${app.get('heartbeatIntervalMs')} ms` +
        `${app.get('redisUrl') ? ', redis adapter' : ''}, instance ${app.realtime.instance})`
    )
  }
  const stopTrim = startMemoryTrim(app.get('memoryTrimMs'), () => app.realtime.tracker.count === 0)
  // Said once per machine start (by worker 1 among workers).
  if ((index ?? 1) === 1) {
    log.info(describeAccess(app))
    log.info(describeProvider(app.vibecode))
  }

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting without waiting`)
      process.exit(1)
    }
    stopping = true
    const graceMs = app.get('shutdownGraceMs')
    log.info(
      `${signal}: draining (SHUTDOWN_GRACE_MS=${graceMs}), then stopping (heartbeat, sockets, HTTP server, database)`
    )
    // A drain and teardown that hang must not keep the process forever.
    const force = setTimeout(() => process.exit(1), graceMs + 10_000)
    force.unref()
    // Ready turns 503, new sockets are refused, connected ones told to reconnect elsewhere, running
    // answers and test runs get the grace period (src/observability/drain.ts); then as before.
    await app.drain.run(graceMs)
    stopTrim()
    await app.teardown()
    log.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  if (index === undefined) {
    process.on('SIGINT', () => void stop('SIGINT'))
  } else {
    // A worker: Ctrl-C reaches the whole process group, but the primary decides (it sends SIGTERM).
    // (If the primary dies, Node's cluster module ends its workers at once: nothing to do here.)
    process.on('SIGINT', () => undefined)
  }
}

main().catch((error) => {
  // A configuration error is for the person starting the server: plain text, as it reads best (the
  // logger's own settings may be what is wrong). Anything else is a log line like the others.
  if (error instanceof ConfigurationError) process.stderr.write(`${error.message}\n`)
  else bootLogger().fatal({ err: error }, 'vibecode-realtime failed to start')
  process.exit(1)
})
