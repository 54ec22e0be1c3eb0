// Operations (issue 9): pino logs, Prometheus metrics, health and drain. Configured by app.ts right
// after the settings, so its koa middleware comes first: every request gets its id and its log
// line, and /health/* and /metrics answer before authentication, the limits and the services.
//
//   app.logger      pino (logger.ts), LOG_LEVEL
//   app.metrics     prom-client (metrics.ts): GET /metrics (scrape.ts: METRICS_TOKEN or loopback)
//   app.drain       SIGTERM's first step (drain.ts); readiness (health.ts) turns 503 with it
//
// The realtime plugin is wired by app.ts: `observer: realtimeObserver(app)` (sockets.ts),
// `refuseConnections: () => app.drain.refusal()`, and the event log through timedAppends.
import type { ApplicationConfiguration } from '../configuration'
import type { Application, Configuration, NextFunction } from '../declarations'
import { Drain } from './drain'
import { ReadinessCheck, healthRoutes } from './health'
import { createLogger } from './logger'
import type { Logger } from './logger'
import { Metrics } from './metrics'
import { observeOutcomes } from './outcomes'
import { requestObserver } from './requests'
import { metricsRoute } from './scrape'
import { observeSockets } from './sockets'

export { realtimeObserver, timedAppends } from './sockets'
export { requestLogger } from './requests'
export { bootLogger } from './logger'
export type { Logger }

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must repeat Feathers' type parameters
  interface Application<Services, Settings> {
    logger: Logger
    metrics: Metrics
    drain: Drain
  }
}

declare module '../declarations' {
  interface Configuration {
    /** Tests: where log lines go instead of stdout (a stream they read). Not a setting. */
    logDestination?: import('pino').DestinationStream
  }
}

type ObservabilitySettings = ApplicationConfiguration & Pick<Configuration, 'logDestination'>

/** The figures the gauges read, from the parts of the app that hold them. */
function metricSources(app: Application, drain: Drain) {
  const idle = { waiting: 0, running: 0 }
  return {
    connections: () => app.realtime?.tracker.count ?? 0,
    cluster: () => {
      const local = app.realtime?.tracker.count ?? 0
      // Clustered, a scrape does not ask every instance: the last heartbeat did.
      const beat = app.get('redisUrl') ? app.realtime?.heartbeat.last : undefined
      return beat ? { connections: beat.connections, instances: beat.instances } : { connections: local, instances: 1 }
    },
    subscriptions: () => {
      const rooms = Object.values(app.realtime?.localSnapshot().rooms ?? {})
      return { sockets: rooms.reduce((sum, size) => sum + size, 0), rooms: rooms.length }
    },
    answerQueue: () => app.vibecode?.queue.depth ?? idle,
    testRunQueue: () => app.testRuns?.queue.depth ?? idle,
    draining: () => drain.active
  }
}

export const observability = (settings: ObservabilitySettings) => (app: Application) => {
  app.logger = createLogger({ level: settings.logLevel, destination: settings.logDestination })
  const drain = new Drain(app)
  app.drain = drain
  app.metrics = new Metrics(metricSources(app, drain))
  let setUp = false
  const readiness = new ReadinessCheck(app, { setUp: () => setUp, draining: () => drain.active })

  app.use(requestObserver(app, app.metrics))
  app.use(healthRoutes(readiness))
  app.use(metricsRoute(app.metrics, { auth: settings.auth, token: settings.metricsToken }))

  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await next()
        // Everything is there now: socket.io's server and every service.
        if (app.io) observeSockets(app, app.io)
        observeOutcomes(app)
        setUp = true
      }
    ]
  })
}
