// Abuse limits (issue 7, item 5), wired by app.ts in three places:
//
//   const limits = abuseLimits(app, settings)
//   app.use(limits.http)                                  // before rest(): params.ip, Retry-After
//   realtime({ handshake: limits.handshake(auth), onConnection: limits.onConnection, … })
//   app.configure(limits.services)                        // after every service: the REST limits
//
// What is limited and how much: settings.ts (RATE_LIMITS, TRUST_PROXY, RATE_LIMIT_*). Where the
// counts live: store.ts (memory, or Redis with REDIS_URL) and open-sockets.ts. The refusal:
// errors.ts (429, data.retry_after_ms). Service calls: hooks.ts; socket.io: sockets.ts.
import { getServiceOptions } from '@feathersjs/feathers'
import type { Middleware } from '@feathersjs/koa'
import type { Socket } from 'socket.io'
import type { Application, NextFunction } from '../declarations'
import { restLimits } from './http'
import { byAddress, byUser, limitCreate, limitHook } from './hooks'
import type { LimitHookOptions } from './hooks'
import { LocalOpenSockets, RedisOpenSockets } from './open-sockets'
import type { OpenSockets } from './open-sockets'
import { limitPlan } from './settings'
import type { LimitPlan, LimitSettings, Rule } from './settings'
import { limitHandshake, limitSocketEvents } from './sockets'
import type { Handshake } from './sockets'
import { LimitStore } from './store'
import type { RuleLimiter } from './store'

export { limitPlan } from './settings'
export type { LimitPlan } from './settings'

export interface AbuseLimits {
  readonly plan: LimitPlan
  /** koa middleware: the client's address into params.ip; Retry-After on a 429. */
  readonly http: Middleware
  /** The socket.io handshake: the per-address limit, then `inner` (authentication), then the user's open-socket place. */
  handshake(inner?: Handshake): Handshake
  /** Per socket: the event limit. */
  readonly onConnection: (socket: Socket) => void
  /** Puts the service-call limits on the services (configure it after all of them). */
  readonly services: (app: Application) => void
}

/** Token strategies are not password guesses: re-authenticating a socket is not a login attempt. */
const TOKEN_STRATEGIES = new Set(['jwt', 'platform-jwt'])

/** Ties the Redis-backed counts to the app's life: connected at setup, closed at teardown. */
function withApp(app: Application, store: LimitStore, openSockets: OpenSockets) {
  if (!store.redis) return
  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await store.connect()
        openSockets.start()
        await next()
      }
    ],
    teardown: [
      async (_context: unknown, next: NextFunction) => {
        // Inside: the realtime plugin closes the sockets (their places are given back first).
        await next()
        openSockets.stop()
        await store.close()
      }
    ]
  })
}

/** The service-call limits: which creates count, against which budget, keyed by user or address. */
function serviceLimits(
  plan: LimitPlan,
  limiter: (name: string, rule: Rule | null) => RuleLimiter | null,
  log: (message: string) => void
) {
  return (app: Application) => {
    const put = (paths: string[], rule: RuleLimiter | null, options: LimitHookOptions) => {
      if (rule) limitCreate(app, paths, limitHook(rule, options), log)
    }
    const perUser = { per: 'per user', keyOf: byUser }
    const perAddress = { per: 'per address', keyOf: byAddress }
    put(['messages', 'sessions/:session_id/messages'], limiter('messages', plan.messages), {
      name: 'messages',
      what: 'messages',
      ...perUser
    })
    put(['projects/:project_id/test-runs'], limiter('test-runs', plan.testRuns), {
      name: 'test-runs',
      what: 'test runs',
      ...perUser
    })
    put(['projects'], limiter('projects', plan.projects), { name: 'projects', what: 'new projects', ...perUser })
    put(['users'], limiter('signups', plan.signups), { name: 'signups', what: 'sign-ups', ...perAddress })
    put(['authentication'], limiter('logins', plan.logins), {
      name: 'logins',
      what: 'login attempts',
      ...perAddress,
      counts: (context) => !TOKEN_STRATEGIES.has(String((context.data as { strategy?: unknown } | undefined)?.strategy))
    })
  }
}

export function abuseLimits(
  app: Application,
  settings: LimitSettings & { redisUrl?: string; redisPrefix: string }
): AbuseLimits {
  const plan = limitPlan(settings)
  // TRUST_PROXY: koa reads the client from X-Forwarded-For, its right-most entry (see ip.ts).
  app.proxy = plan.trustProxy
  app.maxIpsCount = plan.trustProxy ? 1 : 0
  const log = (message: string) => app.logger.warn({ component: 'limits' }, message)
  const store = new LimitStore({
    redisUrl: plan.enabled ? settings.redisUrl : undefined,
    prefix: settings.redisPrefix,
    log
  })
  const limiter = (name: string, rule: Rule | null) => (rule ? store.limiter(name, rule) : null)
  const openSockets: OpenSockets = store.redis
    ? new RedisOpenSockets(store.redis, store.key('sockets'), log)
    : new LocalOpenSockets()
  const handshakes = limiter('handshakes', plan.handshakes)
  withApp(app, store, openSockets)

  // Feathers method names, for answering a refused socket event the way its client expects.
  let methods: Set<string> | undefined
  const isServiceCall = (packet: unknown[]) => {
    methods ??= new Set(Object.values(app.services).flatMap((service) => getServiceOptions(service)?.methods ?? []))
    return typeof packet[0] === 'string' && methods.has(packet[0]) && typeof packet[1] === 'string'
  }
  const perSocket = plan.socketEvents ? limitSocketEvents(plan.socketEvents, isServiceCall) : undefined

  return {
    plan,
    http: restLimits(),
    handshake: (inner) =>
      limitHandshake(
        { trustProxy: plan.trustProxy, handshakes, socketsPerUser: plan.socketsPerUser, openSockets },
        inner
      ),
    onConnection: (socket) => perSocket?.(socket),
    services: serviceLimits(plan, limiter, log)
  }
}
