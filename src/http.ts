// The HTTP side of koa: CORS, error answers and the server's start and stop.
import http from 'http'
import { cors, errorHandler } from '@feathersjs/koa'
import { BadRequest, FeathersError, GeneralError } from '@feathersjs/errors'
import type { Application } from './declarations'

/**
 * Feathers' koa errorHandler answers 500 for any error that is not a FeathersError, including a
 * body parser's 400 for broken JSON or a 413 for an oversize body. Convert those first, so a bad
 * body gets its 4xx with a message; a real 500 keeps its message out of the answer.
 */
export const httpErrors = () => async (_ctx: unknown, next: () => Promise<unknown>) => {
  try {
    await next()
  } catch (error: any) {
    if (error instanceof FeathersError) throw error
    const status = Number(error?.status ?? error?.statusCode)
    if (status >= 400 && status < 500) {
      const converted = new BadRequest(error.message || 'Bad request')
      if (status !== 400) Object.assign(converted, { code: status, name: error.name || 'BadRequest' })
      throw converted
    }
    console.error(error)
    throw new GeneralError('Internal server error')
  }
}

export const corsFor = (origins: string[]) =>
  cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin')
      if (origins.includes('*')) return origin || '*'
      return origins.includes(origin) ? origin : ''
    }
  })

export { errorHandler }

/**
 * Sets the app up (migrations, socket.io, Redis when configured) before the port opens, so no
 * request meets an unmigrated database, then listens. Returns the listening server.
 */
export async function startServer(app: Application, port = app.get('port'), host = app.get('host')) {
  const server = http.createServer(app.callback())
  ;(app as any).server = server
  await app.setup(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}
