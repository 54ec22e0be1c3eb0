// Builds the application: settings, koa REST, the realtime plugin, the database, the services and
// the delivery policy. `createApp(overrides)` lets tests and benchmarks change settings.
import { feathers } from '@feathersjs/feathers'
import { bodyParser, koa, parseAuthentication, rest } from '@feathersjs/koa'
import type { Application, Configuration } from './declarations'
import { loadConfiguration, normalizeConfiguration, validateConfiguration } from './configuration'
import { corsFor, errorHandler, httpErrors, originAllowed } from './http'
import { authenticateHandshake, authentication } from './auth'
import { database } from './database'
import { KnexEventLog, realtime } from './realtime'
import { access, authorizeSubscription, socketUserId } from './access'
import { services } from './services'
import { channels } from './channels'
import { debug } from './debug'
import { vibecode } from './vibecode'
import { testRunner } from './testruns'

export function createApp(overrides: Partial<Configuration> = {}): Application {
  const settings = validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), ...overrides }))
  const app: Application = koa(feathers())
  for (const key of Object.keys(settings) as (keyof typeof settings)[]) app.set(key, settings[key])

  app.use(corsFor(settings.origins, { loopbackHostsOnly: settings.auth === 'off' }))
  app.use(errorHandler())
  app.use(httpErrors())
  app.use(parseAuthentication())
  app.use(bodyParser())
  app.configure(debug)
  app.configure(rest())

  // The database first: its setup hook (migrations) then runs before the realtime plugin's.
  app.configure(database)
  app.configure(
    realtime({
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      allowOrigin: (origin) => originAllowed(origin, settings.origins),
      instanceId: settings.instanceId,
      redisUrl: settings.redisUrl,
      redisPrefix: settings.redisPrefix,
      authorizeSubscription: (socket, projectId) => authorizeSubscription(app, socket, projectId),
      userIdOf: socketUserId,
      // Who the socket is, from its handshake's auth: {token} (src/auth/handshake.ts).
      handshake: (socket) => authenticateHandshake(app)(socket),
      eventLog: new KnexEventLog(app.get('dbClient'), {
        retentionMs: settings.eventRetentionMs,
        maxPerProject: settings.eventLogMaxPerProject
      }),
      pruneIntervalMs: settings.eventLogPruneIntervalMs,
      log: (message) => console.warn(`[realtime] ${message}`)
    })
  )
  app.configure(services)
  // After the services (its strategies read `users`); its setup hook runs after the migrations.
  app.configure(authentication)
  // Membership and roles: the access policy wraps every service registered above.
  app.configure(access)
  app.configure(channels)
  app.configure(vibecode(settings))
  app.configure(testRunner(settings))

  return app
}
