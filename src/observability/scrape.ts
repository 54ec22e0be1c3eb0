// Who may read GET /metrics. With METRICS_TOKEN set: a caller with `Authorization: Bearer <token>`,
// in either AUTH mode. Without it: with AUTH=off everyone who reaches the server (it listens on
// loopback only), with AUTH=required loopback clients only - a Prometheus on the same host or a
// sidecar. A request that came through a proxy (X-Forwarded-For or Forwarded present) is not a
// loopback client even when the proxy runs on this host: set METRICS_TOKEN for that case.
import crypto from 'crypto'
import type { Middleware } from '@feathersjs/koa'
import { Forbidden, NotAuthenticated } from '@feathersjs/errors'
import type { FeathersError } from '@feathersjs/errors'
import { isLoopbackHost } from '../configuration'
import type { Metrics } from './metrics'

export interface ScrapeAccess {
  auth: 'off' | 'required'
  token?: string
}

const digest = (value: string) => crypto.createHash('sha256').update(value).digest()

/** Why this request may not scrape, or undefined when it may. */
export function scrapeRefusal(
  access: ScrapeAccess,
  request: { authorization?: string; remoteAddress?: string; forwarded: boolean }
): FeathersError | undefined {
  if (access.token) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? '')
    // Compared as digests: equal lengths for timingSafeEqual, and no timing clue to the token.
    if (match && crypto.timingSafeEqual(digest(match[1]), digest(access.token))) return undefined
    return new NotAuthenticated('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>')
  }
  if (access.auth === 'off') return undefined
  if (!request.forwarded && request.remoteAddress && isLoopbackHost(request.remoteAddress)) return undefined
  return new Forbidden('GET /metrics is served to loopback clients only; set METRICS_TOKEN to scrape from elsewhere')
}

export function metricsRoute(metrics: Metrics, access: ScrapeAccess): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== '/metrics' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next()
    const refusal = scrapeRefusal(access, {
      authorization: ctx.get('Authorization') || undefined,
      remoteAddress: ctx.req.socket.remoteAddress,
      forwarded: Boolean(ctx.get('X-Forwarded-For') || ctx.get('Forwarded'))
    })
    if (refusal) {
      ctx.status = refusal.code
      ctx.body = refusal.toJSON()
      return
    }
    ctx.set('Content-Type', metrics.contentType)
    ctx.set('Cache-Control', 'no-store')
    ctx.body = await metrics.render()
  }
}
