// The HTTP side of koa: CORS and Origin checks, error answers and the server's start and stop.
import http from 'http'
import { cors, errorHandler } from '@feathersjs/koa'
import type { Middleware } from '@feathersjs/koa'
import { BadRequest, FeathersError, Forbidden, GeneralError } from '@feathersjs/errors'
import type { Application } from './declarations'
import { isLoopbackHost } from './configuration'
import { isPublic } from './public-errors'
import { requestLogger } from './observability/requests'

/**
 * Feathers' koa errorHandler answers 500 for any error that is not a FeathersError, including a
 * body parser's 400 for broken JSON or a 413 for an oversize body. Convert those first, so a bad
 * body gets its 4xx with a message; a real 500 keeps its message out of the answer.
 */
export const httpErrors = () => async (ctx: unknown, next: () => Promise<unknown>) => {
  try {
    await next()
  } catch (error: any) {
    // A Feathers error is answered as it is, unless it carries a database error (src/public-errors.ts).
    if (isPublic(error)) throw error
    const status = Number(error?.status ?? error?.statusCode)
    if (status >= 400 && status < 500) {
      const converted = new BadRequest(error.message || 'Bad request')
      if (status !== 400) Object.assign(converted, { code: status, name: error.name || 'BadRequest' })
      throw converted
    }
    requestLogger(ctx).error({ err: error }, 'internal error')
    throw new GeneralError('Internal server error')
  }
}

/** `scheme://host[:port]` in lower case, without a trailing slash. */
const normalizeOrigin = (origin: string) => origin.trim().replace(/\/+$/, '').toLowerCase()

/**
 * Whether a request's Origin may call this server (REST and the socket.io handshake alike).
 * No Origin header: not a browser (curl, Python, another server), allowed - CORS protects
 * browsers' users, and a browser always sends Origin on cross-origin calls. Patterns are exact
 * origins, `*` (any origin, only when configured explicitly), or an origin ending in `:*` (any
 * port, including none: `http://localhost:*` matches `http://localhost:5173` and
 * `http://localhost`). `null` (sandboxed frames, file://) matches only a literal `null` pattern.
 */
export function originAllowed(origin: string | undefined, patterns: string[]): boolean {
  if (origin === undefined || origin === '') return true
  const candidate = normalizeOrigin(origin)
  for (const raw of patterns) {
    const pattern = normalizeOrigin(raw)
    if (pattern === '*' || pattern === candidate) return true
    if (pattern.endsWith(':*')) {
      const base = pattern.slice(0, -2)
      if (candidate === base) return true
      if (candidate.startsWith(`${base}:`) && /^\d{1,5}$/.test(candidate.slice(base.length + 1))) return true
    }
  }
  return false
}

/** The host name of a Host header (`localhost:8000`, `[::1]:8000`) or an origin pattern. */
function hostnameOf(value: string): string {
  const withoutScheme = value
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
    .replace(/\/.*$/, '')
  const bracketed = /^\[([^\]]*)\]/.exec(withoutScheme)
  return bracketed ? bracketed[1] : withoutScheme.replace(/:(\d*|\*)$/, '')
}

/**
 * DNS rebinding guard for AUTH=off: a page on evil.example whose name is made to resolve to
 * 127.0.0.1 is "same-origin" with this server, sends no Origin on GET, and would read everything
 * as the local user. Its requests carry `Host: evil.example:8000`, though, so without
 * authentication only loopback names, and the host names of CORS_ORIGINS, are answered.
 */
export function hostAllowed(host: string | undefined, patterns: string[]): boolean {
  if (!host) return true
  const name = hostnameOf(host)
  if (isLoopbackHost(name)) return true
  return patterns.some((pattern) => pattern.trim() === '*' || hostnameOf(pattern) === name)
}

/** A Feathers error JSON answer, for refusals made before the error handler runs. */
function refuse(ctx: Parameters<Middleware>[0], error: FeathersError) {
  ctx.status = error.code
  ctx.body = error.toJSON()
}

export interface CorsOptions {
  /** AUTH=off: answer only requests whose Host names this machine (see hostAllowed). */
  loopbackHostsOnly?: boolean
}

/**
 * CORS grants for allowed origins only, and a 403 for a request from any other origin: without
 * it a foreign page could still send "simple" requests (a form POST needs no preflight) and only
 * lose the answer.
 */
export const corsFor = (origins: string[], options: CorsOptions = {}): Middleware => {
  const grant = cors({
    origin: (ctx) => (originAllowed(ctx.get('Origin') || undefined, origins) ? ctx.get('Origin') : '')
  })
  return async (ctx, next) => {
    const origin = ctx.get('Origin') || undefined
    if (!originAllowed(origin, origins)) {
      ctx.vary('Origin')
      return refuse(ctx, new Forbidden(`Origin ${origin} is not allowed: add it to CORS_ORIGINS`))
    }
    if (options.loopbackHostsOnly && !hostAllowed(ctx.get('Host') || undefined, origins)) {
      return refuse(
        ctx,
        new Forbidden(
          `Host ${ctx.get('Host')} is not this machine: with AUTH=off only loopback names (localhost, 127.0.0.1) and CORS_ORIGINS hosts are served`
        )
      )
    }
    return grant(ctx, next)
  }
}

export { errorHandler }

/**
 * Sets the app up (migrations, socket.io, Redis when configured) before the port opens, so no
 * request meets an unmigrated database, then listens. Returns the listening server.
 */
export async function startServer(app: Application, port = app.get('port'), host = app.get('host')) {
  const server = http.createServer(app.callback())
  app.server = server
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
