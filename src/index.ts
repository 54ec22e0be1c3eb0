// `npm start`: the server on PORT (8000) with the configured database, until SIGINT/SIGTERM.
import { createApp } from './app'
import { ConfigurationError } from './configuration'
import { startServer } from './http'
import { describeProvider } from './vibecode'
import type { Application } from './declarations'

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
  const app = createApp()
  const server = await startServer(app)
  const address = server.address()
  const where = typeof address === 'object' && address ? `${address.address}:${address.port}` : String(address)
  const database = app.get('database').replace(/\/\/[^@/]*@/, '//***@')
  console.info(
    `vibecode-realtime listening on http://${where} (database ${database}, heartbeat ${app.get('heartbeatIntervalMs')} ms` +
      `${app.get('redisUrl') ? ', redis adapter' : ''}, instance ${app.realtime.instance})`
  )

  console.info(describeAccess(app))
  console.info(describeProvider(app.vibecode))

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    console.info(`${signal}: stopping (heartbeat, sockets, HTTP server, database)`)
    // A teardown that hangs must not keep the process forever.
    const force = setTimeout(() => process.exit(1), 10_000)
    force.unref()
    await app.teardown()
    console.info('stopped')
    process.exit(0)
  }
  process.on('SIGINT', () => void stop('SIGINT'))
  process.on('SIGTERM', () => void stop('SIGTERM'))
}

main().catch((error) => {
  if (error instanceof ConfigurationError) console.error(error.message)
  else console.error('vibecode-realtime failed to start:', error)
  process.exit(1)
})
