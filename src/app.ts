// Builds the application: settings, koa REST, the realtime plugin, the database, the services and
// the delivery policy. `createApp(overrides)` lets tests and benchmarks change settings.
import { feathers } from '@feathersjs/feathers'
import { bodyParser, koa, parseAuthentication, rest } from '@feathersjs/koa'
import type { Application, Configuration } from './declarations'
import { loadConfiguration, normalizeConfiguration, validateConfiguration } from './configuration'
import { corsFor, errorHandler, httpErrors, originAllowed, hostAllowed } from './http'
import { authenticateHandshake, authentication } from './auth'
import { database } from './database'
import { KnexEventLog, realtime } from './realtime'
import { access, authorizeSubscription, socketUserId } from './access'
import { services } from './services'
import { channels } from './channels'
import { outbox } from './outbox'
import { debug } from './debug'
import { contractRoutes } from './contract/docs'
import { asyncApiRoute } from './contract/asyncapi-route'
import { vibecode } from './vibecode'
import { testRunner } from './testruns'
import { abuseLimits } from './limits'
import { adminUi } from './admin-ui'
import { observability, realtimeObserver, timedAppends } from './observability'
import { publicErrors } from './public-errors'
import { safeRoutes } from './safe-routes'
import { socketCalls } from './socket-calls'

export function createApp(overrides: Partial<Configuration> = {}): Application {
  const settings = validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), ...overrides }))
  const app: Application = koa(feathers())
  // Path segments named like Object.prototype members are plain ids (src/safe-routes.ts).
  safeRoutes(app)
  for (const key of Object.keys(settings) as (keyof typeof settings)[]) app.set(key, settings[key])
  // Logs, metrics, /health and drain (src/observability): first, so every request is logged and measured.
  app.configure(observability(settings))
  // Outermost service hook: no database error or stack reaches a client (src/public-errors.ts).
  app.hooks({ around: { all: [publicErrors(app)] } })
  // Abuse limits (src/limits): RATE_LIMITS, TRUST_PROXY, RATE_LIMIT_*.
  const limits = abuseLimits(app, settings)

  app.use(corsFor(settings.origins, { loopbackHostsOnly: settings.auth === 'off' }))
  app.use(errorHandler())
  app.use(httpErrors())
  app.use(parseAuthentication())
  app.use(bodyParser())
  app.use(limits.http)
  app.configure(debug)
  // GET /openapi.json, /asyncapi.json and /docs: public, they describe the API (src/contract).
  app.configure(contractRoutes).configure(asyncApiRoute)
  app.configure(rest())

  // The database first: its setup hook (migrations) then runs before the realtime plugin's.
  app.configure(database)
  app.configure(
    realtime({
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      slowConsumers: { maxBytes: settings.slowConsumerMaxBytes, maxMs: settings.slowConsumerMaxMs },
      allowOrigin: (origin) => originAllowed(origin, settings.origins),
      // AUTH=off: a DNS-rebinding page (same origin, foreign Host) must not reach the sockets either.
      allowHost: settings.auth === 'off' ? (host) => hostAllowed(host, settings.origins) : undefined,
      instanceId: settings.instanceId,
      redisUrl: settings.redisUrl,
      redisPrefix: settings.redisPrefix,
      authorizeSubscription: (socket, projectId) => authorizeSubscription(app, socket, projectId),
      userIdOf: socketUserId,
      // Who the socket is, from its handshake's auth: {token} (src/auth/handshake.ts).
      // The per-address handshake limit first, the user's open-socket place last (src/limits).
      handshake: limits.handshake((socket) => authenticateHandshake(app)(socket)),
      // The per-socket event limit first, then unknown methods and missing arguments get their ack
      // and method calls run (src/socket-calls.ts).
      onConnection: socketCalls(app, limits.onConnection),
      eventLog: timedAppends(
        new KnexEventLog(app.get('dbClient'), {
          retentionMs: settings.eventRetentionMs,
          maxPerProject: settings.eventLogMaxPerProject
        }),
        app.metrics
      ),
      pruneIntervalMs: settings.eventLogPruneIntervalMs,
      positionIntervalMs: settings.positionIntervalMs,
      log: (message) => app.logger.warn({ component: 'realtime' }, message),
      observer: realtimeObserver(app),
      refuseConnections: () => app.drain.refusal(),
      // Who is in a project room (src/realtime/presence.ts): users; with AUTH=off the local user per socket.
      presence: { graceMs: settings.presenceGraceMs, localUserId: () => app.get('localUser')?.id }
    })
  )
  // The socket.io Admin UI, off by default (src/admin-ui): instruments app.io at setup.
  app.configure(adminUi(settings, { handshake: limits.handshake() }))
  app.configure(services)
  // After the services (its strategies read `users`); its setup hook runs after the migrations.
  app.configure(authentication)
  // Inside the caller's identity, around every service: a change and its event commit together.
  app.hooks({ around: { all: [outbox(app)] } })
  // Membership and roles: the access policy wraps every service registered above.
  app.configure(access)
  app.configure(channels)
  app.configure(vibecode(settings))
  app.configure(testRunner(settings))
  // Last: the limits go on every service above (src/limits/hooks.ts).
  app.configure(limits.services)

  return app
}
