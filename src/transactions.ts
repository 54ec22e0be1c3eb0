// Ambient transactions: while a service call runs in a transaction (the outbox, src/outbox.ts),
// every query of that call - the service's own, its hooks' lookups, the event log's append - runs
// in it, without passing `trx` through every signature (Sequelize's CLS mode does the same).
// Needed, not only neat: SQLite has one connection (knex's pool max 1), so a hook querying outside
// the open transaction would wait for it forever.
//
// The app's knex (`app.get('dbClient')`) is a proxy that sends each query to the ambient
// transaction of the async context it runs in, else to the pool. Work that outlives the call
// (a job started by it) finds the transaction completed and goes to the pool again.
import { AsyncLocalStorage } from 'async_hooks'
import type { Knex } from 'knex'

const ambient = new AsyncLocalStorage<Knex.Transaction>()

const current = (root: Knex): Knex => {
  const trx = ambient.getStore()
  return trx && !trx.isCompleted() ? trx : root
}

/** A knex that runs each query in the ambient transaction, if any. */
export function ambientKnex(root: Knex): Knex {
  return new Proxy(root, {
    apply(_target, thisArg, args: unknown[]) {
      return Reflect.apply(current(root) as unknown as (...a: unknown[]) => unknown, thisArg, args)
    },
    get(_target, property) {
      const target = current(root)
      const value: unknown = Reflect.get(target, property)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/** Work to start once a transaction committed (dropped if it rolls back). */
const committedCallbacks = new WeakMap<Knex.Transaction, (() => void)[]>()

/**
 * Starts background work after the current call's transaction commits (at once outside one): a
 * job must not see, nor join, a change that may still roll back.
 */
export function afterCommit(start: () => void) {
  const trx = ambientTransaction()
  if (!trx) return start()
  const callbacks = committedCallbacks.get(trx) ?? []
  callbacks.push(start)
  committedCallbacks.set(trx, callbacks)
}

/** Runs `work` outside any ambient transaction (background work started from within a call). */
export const detached = <T>(work: () => T): T => ambient.exit(work)

/** The transaction this async context runs in, if any. */
export const ambientTransaction = (): Knex.Transaction | undefined => {
  const trx = ambient.getStore()
  return trx && !trx.isCompleted() ? trx : undefined
}

/**
 * Runs `work` in a transaction that every query of its async context joins; `finish` runs last,
 * inside it (the outbox appends there). Commits when both succeed, rolls back otherwise. A call
 * already inside a transaction joins it (its outer owner commits).
 */
export async function inTransaction<T>(
  root: Knex,
  work: () => Promise<T>,
  finish: (trx: Knex.Transaction, result: T) => Promise<void>
): Promise<T> {
  const outer = ambientTransaction()
  if (outer) {
    const result = await work()
    await finish(outer, result)
    return result
  }
  const trx = await root.transaction()
  try {
    const result = await ambient.run(trx, work)
    await finish(trx, result)
    await trx.commit()
    for (const start of committedCallbacks.get(trx) ?? []) detached(start)
    return result
  } catch (error) {
    if (!trx.isCompleted()) await trx.rollback().catch(() => undefined)
    throw error
  }
}
