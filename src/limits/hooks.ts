// The service-call limits: Feathers around hooks put on existing services from here (the services'
// own files stay as they are). Registered last as a service's `around.create`, a limit runs after
// the app-wide hooks (src/auth's identify has set params.user) and the access policy's checks
// (a non-member's call is refused there, uncounted), and before the service's before hooks
// (validation, the parent lookup, password hashing) and the method: a refused call costs one
// counter increment, and nothing is validated, hashed or stored. Only external calls (REST,
// socket.io) count; the app's own calls (a nested route forwarding to its flat service) do not,
// and a call counted once is marked in its params, so a nested route that forwards its params
// is not counted twice.
import type { Params } from '@feathersjs/feathers'
import type { Application, HookContext, NextFunction } from '../declarations'
import { tooManyRequests } from './errors'
import { addressKey } from './ip'
import type { RuleLimiter } from './store'

declare module '@feathersjs/feathers/lib/declarations' {
  interface Params {
    /** The client's address (src/limits/ip.ts): REST from koa, socket.io from the handshake. */
    ip?: string
    /** The limits this call was already counted against. */
    rateLimited?: string[]
  }
}

export type KeyOf = (params: Params) => string

/** Per user once signed in (AUTH=off: the local user); per address before. */
export const byUser: KeyOf = (params) => {
  const id = (params.user as { id?: unknown } | undefined)?.id
  return id !== undefined && id !== null ? `user:${String(id)}` : byAddress(params)
}

export const byAddress: KeyOf = (params) => `ip:${addressKey(params.ip ?? 'unknown')}`

export interface LimitHookOptions {
  /** The limit's name (one budget may guard several routes: both message routes share one). */
  name: string
  /** For the error message: "messages", "test runs", … */
  what: string
  /** "per user", "per address" */
  per: string
  keyOf: KeyOf
  /** Which calls count (default: all external ones). */
  counts?: (context: HookContext) => boolean
}

export function limitHook(limiter: RuleLimiter, options: LimitHookOptions) {
  const { points, durationS } = limiter.rule
  const message = `Too many ${options.what}: at most ${points} per ${durationS} s ${options.per}`
  return async (context: HookContext, next: NextFunction) => {
    const { params } = context
    if (params.provider && !params.rateLimited?.includes(options.name) && (options.counts?.(context) ?? true)) {
      const retryAfterMs = await limiter.take(options.keyOf(params))
      if (retryAfterMs !== null) throw tooManyRequests(message, retryAfterMs)
      context.params = { ...params, rateLimited: [...(params.rateLimited ?? []), options.name] }
    }
    await next()
  }
}

/** Puts a limit on `create` of each path (a path not registered is said in the log: wiring order). */
export function limitCreate(
  app: Application,
  paths: string[],
  hook: ReturnType<typeof limitHook>,
  log: (message: string) => void
) {
  for (const path of paths) {
    if (!(path in app.services)) {
      log(`no service '${path}' to limit: configure the limits after it`)
      continue
    }
    ;(app.service(path as never) as unknown as { hooks(map: object): void }).hooks({ around: { create: [hook] } })
  }
}
