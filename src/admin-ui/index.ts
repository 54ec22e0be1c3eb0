// The socket.io Admin UI (@socket.io/admin-ui, issue 9 item 4): off unless ADMIN_UI_USERNAME and
// ADMIN_UI_PASSWORD_HASH (bcrypt) are set. On, it instruments the app's socket.io server once
// the server exists (an app setup hook reads app.io once setup has made it): the `/admin` namespace, basic auth against
// the hash, `mode: production` (aggregated figures; ADMIN_UI_MODE=development sends every event).
// Clustered it works through the adapter (each instance reports itself; socket lists and actions
// go to every instance) and keeps the UI's login sessions in Redis. The UI itself is served at
// /admin-ui/ (static.ts); the hosted one at https://admin.socket.io works too, see the README.
//
//   app.configure(adminUi(settings, { handshake: limits.handshake() }))   // in app.ts, after realtime
//
// Off (the default), neither @socket.io/admin-ui nor the Redis client is even loaded: they are
// required when the UI is turned on (issue 10, item 3: a lighter idle process).
import type { Namespace, Socket } from 'socket.io'
import type { Application, NextFunction } from '../declarations'
import type { AdminUiSettings } from './settings'
import type { RedisSessionStore } from './store'
import { serveAdminUi } from './static'

export * from './settings'

export const ADMIN_NAMESPACE = '/admin'

export interface AdminUiOptions {
  /** Runs first for every `/admin` handshake (the per-address handshake limit); a rejection refuses it. */
  handshake?: (socket: Socket) => Promise<void>
  log?: (message: string) => void
}

export const adminUiEnabled = (settings: AdminUiSettings) =>
  settings.adminUiUsername !== undefined && settings.adminUiPasswordHash !== undefined

export const adminUi =
  (settings: AdminUiSettings, options: AdminUiOptions = {}) =>
  (app: Application) => {
    if (!adminUiEnabled(settings)) return
    const log = options.log ?? (() => undefined)
    /* eslint-disable @typescript-eslint/no-require-imports -- loaded when the UI is on (see above) */
    const { instrument, InMemoryStore } = require('@socket.io/admin-ui') as typeof import('@socket.io/admin-ui')
    const redisStore: RedisSessionStore | undefined = settings.redisUrl
      ? new (require('./store') as typeof import('./store')).RedisSessionStore(
          settings.redisUrl,
          settings.redisPrefix,
          log
        )
      : undefined
    /* eslint-enable @typescript-eslint/no-require-imports */
    const store = redisStore ?? new InMemoryStore()
    serveAdminUi(app)

    app.hooks({
      setup: [
        async (_context: unknown, next: NextFunction) => {
          if (redisStore) await redisStore.connect()
          // @feathersjs/socketio creates app.io inside setup, within the setup hooks: after next().
          await next()
          if (!app.io) throw new Error('the Admin UI needs the socket.io server: configure realtime() first')
          const admin: Namespace = app.io.of(ADMIN_NAMESPACE)
          // Before instrument() adds its password check: the limit is counted first.
          const { handshake } = options
          if (handshake) admin.use((socket, done) => handshake(socket).then(() => done(), done))
          instrument(app.io, {
            namespaceName: ADMIN_NAMESPACE,
            auth: { type: 'basic', username: settings.adminUiUsername!, password: settings.adminUiPasswordHash! },
            mode: settings.adminUiMode,
            readonly: settings.adminUiReadonly,
            serverId: app.realtime?.instance ?? settings.instanceId,
            store
          })
          log(`Admin UI on: namespace ${ADMIN_NAMESPACE}, mode ${settings.adminUiMode}, UI at /admin-ui/`)
        }
      ],
      teardown: [
        async (_context: unknown, next: NextFunction) => {
          await next()
          if (redisStore) await redisStore.close()
        }
      ]
    })
  }
