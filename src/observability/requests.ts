// One log line and one metrics sample per REST request, with a request id: the client's
// X-Request-Id when it sends a sane one (a proxy's or a caller's trace id), else a new UUID; it is
// echoed in the answer's X-Request-Id header and carried by every line logged for the request.
//
// The metrics label a request by its route pattern (`/projects/:project_id/sessions`, `/messages/:id`),
// never by its URL: ids would make the label set grow without bound.
import { randomUUID } from 'crypto'
import type { Middleware } from '@feathersjs/koa'
import type { Application } from '../declarations'
import { bootLogger } from './logger'
import type { Logger } from './logger'
import type { Metrics } from './metrics'

/** A request id we accept from a client: short, and only characters that are safe in a log. */
const SANE_REQUEST_ID = /^[\w.:/+=@-]{1,128}$/

export function requestIdOf(header: string | undefined): string {
  const candidate = header?.trim()
  return candidate && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID()
}

/** Routes that are no service: their own label, and their lines at debug (probes and scrapes are frequent). */
const QUIET_ROUTES = new Set(['/metrics', '/health/live', '/health/ready'])
const OWN_ROUTES = new Set([...QUIET_ROUTES, '/debug', '/debug/client.js'])

type Ctx = Parameters<Middleware>[0]

let lastResort: Logger | undefined

/** The request's logger (with its request id); else the app's; else one from LOG_LEVEL. */
export function requestLogger(ctx: unknown): Logger {
  const koaCtx = ctx as (Ctx & { app?: { logger?: Logger } }) | undefined
  return (koaCtx?.state?.log as Logger | undefined) ?? koaCtx?.app?.logger ?? (lastResort ??= bootLogger())
}

/** The Feathers route pattern of a path: `/<service path>` plus `/:id` when the path names a record. */
function routeOf(app: Application, ctx: Ctx, paths: Map<unknown, string>): string {
  const path = ctx.path.replace(/\/+$/, '') || '/'
  if (OWN_ROUTES.has(path)) return path
  let lookup = (ctx as Ctx & { lookup?: ReturnType<Application['lookup']> }).lookup
  try {
    lookup ??= app.lookup(ctx.path)
  } catch {
    // A path the router cannot walk is no route either (the request's answer is made already).
  }
  if (!lookup) return 'unmatched'
  if (paths.size === 0) for (const [name, service] of Object.entries(app.services)) paths.set(service, name)
  const name = paths.get(lookup.service)
  if (name === undefined) return 'unmatched'
  return `/${name}${lookup.params.__id !== undefined ? '/:id' : ''}`
}

export function requestObserver(app: Application, metrics: Metrics): Middleware {
  // Service object -> its path, filled on the first request (every service is registered by then).
  const paths = new Map<unknown, string>()
  return async (ctx, next) => {
    const started = process.hrtime.bigint()
    const id = requestIdOf(ctx.get('X-Request-Id') || undefined)
    ctx.set('X-Request-Id', id)
    const log = app.logger.child({ req_id: id })
    ctx.state.log = log
    let failure: any
    try {
      await next()
    } catch (error: any) {
      failure = error
      throw error
    } finally {
      const status = failure ? Number(failure.status ?? failure.code) || 500 : ctx.status
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      const route = routeOf(app, ctx, paths)
      const labels = { route, method: ctx.method, status: String(status) }
      metrics.httpRequests.inc(labels)
      metrics.httpSeconds.observe(labels, seconds)
      const level = status >= 500 ? 'error' : QUIET_ROUTES.has(route) ? 'debug' : 'info'
      log[level](
        { method: ctx.method, path: ctx.path, route, status, duration_ms: Math.round(seconds * 1e4) / 10, ip: ctx.ip },
        `${ctx.method} ${ctx.path} ${status}`
      )
    }
  }
}
