// The koa side of the limits, one middleware registered in app.ts before rest():
//   - puts the client's address into `ctx.feathers.ip`, hence `params.ip` of every REST call
//     (koa's ctx.ip: X-Forwarded-For only when TRUST_PROXY set app.proxy, see ip.ts);
//   - gives a 429 its `Retry-After` header (whole seconds) on its way to the error handler, which
//     writes the body (Feathers error JSON with data.retry_after_ms) and keeps the header.
import type { Middleware } from '@feathersjs/koa'
import { retryAfterSeconds } from './errors'
import { normalizeIp } from './ip'

export const restLimits = (): Middleware => async (ctx, next) => {
  ctx.feathers = { ...ctx.feathers, ip: normalizeIp(ctx.ip) }
  try {
    await next()
  } catch (error) {
    const seconds = retryAfterSeconds(error)
    if (seconds !== undefined) ctx.set('Retry-After', String(seconds))
    throw error
  }
}
