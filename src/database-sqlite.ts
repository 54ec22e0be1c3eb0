// knex's better-sqlite3 client with one change: transactions begin IMMEDIATE (SQLite's write lock
// taken at BEGIN) instead of knex's plain deferred BEGIN.
//
// Why: with WORKERS > 1 several processes write one SQLite file. A deferred transaction reads
// first (a hook's lookup, the event log's latest seq) and asks for the write lock later; if another
// process committed in between, SQLite cannot upgrade the stale snapshot and fails at once with
// SQLITE_BUSY (busy_timeout does not apply to that case) - a 500 under concurrent posts. Taking the
// lock at BEGIN makes a second writer wait (busy_timeout, better-sqlite3's 5 s) at BEGIN instead,
// where waiting is safe, and makes "read the latest seq, insert the next" atomic across processes.
// In one process nothing changes: knex gives SQLite one connection, so its transactions already
// run one at a time. Nested transactions are savepoints and do not call begin().
import type { Knex } from 'knex'

/* eslint-disable @typescript-eslint/no-require-imports -- knex's dialect classes are not exported as types */
const BetterSqliteClient = require('knex/lib/dialects/better-sqlite3') as new (config: Knex.Config) => object
const SqliteTransaction = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction') as new (
  ...args: unknown[]
) => { query(connection: unknown, sql: string): Promise<unknown> }
/* eslint-enable @typescript-eslint/no-require-imports */

class ImmediateTransaction extends SqliteTransaction {
  begin(connection: unknown) {
    return this.query(connection, 'BEGIN IMMEDIATE;')
  }
}

/** Pass as knex's `client` for a SQLite file (`:memory:` is one process's alone: the stock client does). */
export class ImmediateSqliteClient extends BetterSqliteClient {
  transaction(...args: unknown[]) {
    return new ImmediateTransaction(this, ...args)
  }
}
