// GET /asyncapi.json: the socket.io events as AsyncAPI 3.0 (./asyncapi.ts). Public in both AUTH
// modes, like /openapi.json: it describes the API and reveals no data.
import type { Application } from '../declarations'
import { asyncApiDocument } from './asyncapi'

export const asyncApiRoute = (app: Application) => {
  let body: string | undefined
  app.use(async (ctx, next) => {
    if (ctx.path !== '/asyncapi.json' || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next()
    // Built once: the catalog is fixed and the settings do not change while the app runs.
    body ??= JSON.stringify(asyncApiDocument(app), null, 2)
    ctx.type = 'application/json; charset=utf-8'
    ctx.body = body
  })
}
