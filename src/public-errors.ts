// What a client may learn of a failure. Feathers' knex adapter turns driver errors into Feathers
// errors that keep the driver's message (@feathersjs/knex error-handler.ts): SQLite's
// constraint errors become a 500 with the SQL, PostgreSQL's errors a 400/404/422 whose message
// names the table ("permission denied for table projects"); any other error a socket call throws
// reaches its ack with its stack (transport-commons normalizeError). Here every database error,
// and every error that is not a Feathers error, becomes one generic 500 (GeneralError, "Internal
// server error"); the detail goes to the server log, once. Intentional answers are untouched:
// validation 400s, 404s, the 409s the services make of duplicate keys (they catch the driver's
// error before this runs), 429s, 503s. One place decides, for REST answers (an app-level around
// hook, and src/http.ts for errors outside service calls), socket acks (the same hook; the
// subscribe ack) and stored fields (a failed message's `error`).
import { bootLogger } from './observability/logger'
import { FeathersError, GeneralError } from '@feathersjs/errors'
import type { Application, HookContext, NextFunction } from './declarations'

export const INTERNAL_ERROR = 'Internal server error'

/** Where the Feathers knex adapter keeps the driver's error it converted. */
const KNEX_ERROR = Symbol.for('@feathersjs/knex/error')

type Loose = Record<string | symbol, unknown> | null | undefined

/** A driver's or knex's own error: better-sqlite3, pg, knex (pool timeouts, bindings). */
function isDriverError(error: Loose): boolean {
  if (!error || typeof error !== 'object') return false
  if (typeof error.code === 'string' && error.code.startsWith('SQLITE_')) return true
  if (typeof error.severity === 'string' && typeof error.routine === 'string') return true
  return error.name === 'KnexTimeoutError' || typeof error.sql === 'string'
}

/** Whether an error came from the database: raw, or converted by the knex adapter. */
export function isDatabaseError(error: unknown): boolean {
  const loose = error as Loose
  const original = loose?.[KNEX_ERROR] as Loose
  if (original && original !== loose && !(original instanceof FeathersError)) return true
  return isDriverError(loose)
}

/** Whether a client may see this error as it is. */
export const isPublic = (error: unknown): error is FeathersError =>
  error instanceof FeathersError && !isDatabaseError(error)

type Log = (error: unknown, where: string) => void

// The one spot this module logs without an app: a logger of its own (JSON lines on stdout).
let fallback: ReturnType<typeof bootLogger> | undefined
const defaultLog: Log = (error, where) => {
  fallback ??= bootLogger()
  fallback.error({ err: error, where }, 'internal error')
}

type Logger = { error: (fields: object, message: string) => void }

/** Logs to the app's logger when it has one (looked up at each call), else to stderr. */
export const logFor =
  (app?: Application): Log =>
  (error, where) => {
    const logger = (app as { logger?: Logger } | undefined)?.logger
    if (logger) logger.error({ err: error, where }, 'internal error')
    else defaultLog(error, where)
  }

/** The error a client gets: itself when public, else a generic 500 (and the detail logged). */
export function publicError(error: unknown, where: string, log: Log = defaultLog): FeathersError {
  if (isPublic(error)) return error
  log(error, where)
  return new GeneralError(INTERNAL_ERROR)
}

/**
 * App-level around hook, registered before every other app hook so it wraps them all: an
 * external call (REST, socket.io) never answers with a database error or a non-Feathers error.
 * Internal calls keep the original, so their callers can still tell a duplicate key.
 */
export const publicErrors = (app: Application) => {
  const log = logFor(app)
  return async (context: HookContext, next: NextFunction) => {
    try {
      await next()
    } catch (error) {
      if (!context.params?.provider) throw error
      throw publicError(error, `${context.path}.${context.method}`, log)
    }
  }
}
