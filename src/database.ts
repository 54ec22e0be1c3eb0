// The knex connection: SQLite (better-sqlite3) by default, PostgreSQL when DATABASE_URL says so.
// Migrations run at setup, before the server accepts a request; the connection closes at teardown.
import fs from 'fs'
import path from 'path'
import knex from 'knex'
import type { Knex } from 'knex'
import type { Application, NextFunction } from './declarations'
import { parseDatabaseUrl } from './configuration'
import { migrationSource } from './migrations'
import { ambientKnex } from './transactions'
import { ImmediateSqliteClient } from './database-sqlite'

/** The part of a better-sqlite3 connection the pool hook uses (the package ships no types). */
interface SqliteDatabase {
  pragma(source: string): unknown
}

declare module './declarations' {
  interface Configuration {
    /** The app's knex: queries join the ambient transaction of their call (transactions.ts). */
    dbClient: Knex
    /** The knex itself, for starting transactions and for what must never join one. */
    dbRoot: Knex
  }
}

export function createKnex(url: string): Knex {
  const target = parseDatabaseUrl(url)
  if (target.client === 'pg') {
    return knex({ client: 'pg', connection: target.connectionString, pool: { min: 0, max: 10 } })
  }
  if (target.filename !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(target.filename)), { recursive: true })
  }
  return knex({
    // A file may be shared by several processes (WORKERS): transactions take the write lock at BEGIN.
    client:
      target.filename === ':memory:' ? 'better-sqlite3' : (ImmediateSqliteClient as unknown as typeof knex.Client),
    connection: { filename: target.filename },
    useNullAsDefault: true,
    pool: {
      afterCreate(connection: SqliteDatabase, done: (error: Error | null, connection: SqliteDatabase) => void) {
        // Cascading deletes need foreign keys on; WAL lets readers run beside the writer.
        connection.pragma('foreign_keys = ON')
        if (target.filename !== ':memory:') connection.pragma('journal_mode = WAL')
        done(null, connection)
      }
    }
  })
}

export const database = (app: Application) => {
  const db = createKnex(app.get('database'))
  app.set('dbRoot', db)
  app.set('dbClient', ambientKnex(db))
  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await db.migrate.latest({ migrationSource })
        await next()
      }
    ],
    teardown: [
      async (_context: unknown, next: NextFunction) => {
        await next()
        await db.destroy()
      }
    ]
  })
}

/** Whether a knex instance talks to PostgreSQL (several instances) rather than SQLite (one process). */
export const isPostgres = (db: Knex) => /^(pg|postgres)/.test(String(db.client.config.client))

/** Where the Feathers knex adapter keeps the driver's error it converted. */
const KNEX_ERROR = Symbol.for('@feathersjs/knex/error')

/**
 * A unique or primary-key clash, however it surfaced: PostgreSQL's SQLSTATE 23505 (which the knex
 * adapter turns into a 400) or SQLite's constraint error (which it turns into a 500), raw or
 * wrapped by the adapter.
 */
export function isDuplicateKey(error: unknown): boolean {
  const original = ((error as Record<symbol, unknown> | null)?.[KNEX_ERROR] ?? error) as {
    code?: string
    message?: string
  } | null
  const code = original?.code
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    (code === 'SQLITE_CONSTRAINT' && /UNIQUE/i.test(String(original?.message)))
  )
}

/**
 * A database error for the log: its name, code and the database's own words - without the SQL
 * knex puts before them (`<sql> - <message>`), whose bound values may hold a prompt or a token.
 */
export function describeDbError(error: unknown): string {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string }
  const words = String(message ?? error)
    .split(' - ')
    .pop()
  return `${name ?? 'Error'}${code ? ` (${code})` : ''}: ${words}`
}
