// knex's better-sqlite3 client with one change: transactions begin IMMEDIATE (SQLite's write lock
// taken at BEGIN) instead of knex's plain deferred BEGIN, and wait for that lock without blocking.
//
// Why: with WORKERS > 1 several processes write one SQLite file. A deferred transaction reads
// first (a hook's lookup, the event log's latest seq) and asks for the write lock later; if another
// process committed in between, SQLite cannot upgrade the stale snapshot and fails at once with
// SQLITE_BUSY (busy_timeout does not apply to that case) - a 500 under concurrent posts. Taking the
// lock at BEGIN makes "read the latest seq, insert the next" atomic across processes.
//
// Waiting: better-sqlite3 is synchronous, so its busy timeout (5 s) would stop this process's event
// loop - every socket of the worker - while another worker holds the lock. BEGIN IMMEDIATE is
// therefore tried without a busy timeout and, while the file is locked, tried again after a short
// pause in which the event loop runs on (up to LOCK_WAIT_MS, then the error goes to the caller).
// In one process nothing changes: knex gives SQLite one connection, so its transactions already
// run one at a time. Nested transactions are savepoints and do not call begin().
import type { Knex } from 'knex'

/* eslint-disable @typescript-eslint/no-require-imports -- knex's dialect classes are not exported as types */
const BetterSqliteClient = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => object
const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as new (
  ...args: unknown[]
) => object
/* eslint-enable @typescript-eslint/no-require-imports */

/** The part of a better-sqlite3 connection used here (the package ships no types). */
interface SqliteConnection {
  exec(source: string): unknown
  pragma(source: string, options?: { simple: boolean }): unknown
}

/** How long a transaction waits for another process's write lock before failing. */
const LOCK_WAIT_MS = 10_000

const pause = () => new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 4))

class ImmediateTransaction extends SqliteTransaction {
  async begin(connection: SqliteConnection) {
    const started = Date.now()
    const busyTimeout = connection.pragma('busy_timeout', { simple: true })
    for (;;) {
      connection.pragma('busy_timeout = 0')
      try {
        connection.exec('BEGIN IMMEDIATE')
        return
      } catch (error) {
        if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() - started > LOCK_WAIT_MS) throw error
      } finally {
        // Single statements outside a transaction keep the driver's own wait.
        connection.pragma(`busy_timeout = ${Number(busyTimeout)}`)
      }
      await pause()
    }
  }
}

/** Pass as knex's `client` for a SQLite file (`:memory:` is one process's alone: the stock client does). */
export class ImmediateSqliteClient extends BetterSqliteClient {
  transaction(...args: unknown[]) {
    return new ImmediateTransaction(this, ...args)
  }
}
