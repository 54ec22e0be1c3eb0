// The outbox: a change to a record and its event-log entry commit together, or neither does.
// Every write of a service whose events go to a project room (channels.ts) runs in a transaction
// (ambient: src/transactions.ts); before it commits, the event the write will emit is appended to
// the project's log in that same transaction. After the commit Feathers emits the event, and the
// room dispatcher sends it with the seq it was given (ProjectStreams.sendLogged): nothing that
// committed goes unannounced - at worst a crash between commit and send leaves it in the log, and
// positioning tells every room where the stream stands - and nothing is announced that did not
// commit. A failed append rolls the change back; the caller gets a generic 500.
import type { Application, HookContext, NextFunction } from './declarations'
import { projectOfRecord, ROOM_SERVICES } from './channels'
import { inTransaction } from './transactions'

const WRITES: Record<string, string> = { create: 'created', update: 'updated', patch: 'patched', remove: 'removed' }

/**
 * Methods that look like writes but are not: DELETE /test-runs/:id stops a run and waits for it to
 * end; the run's own ending writes the record (in a transaction of its own). Inside a transaction
 * that wait would wait for itself (SQLite has one connection).
 */
const NOT_WRITES = new Set(['test-runs remove'])

/** The records a write's event goes out for (one, or each of a multi-write). */
const recordsOf = (result: unknown): Record<string, unknown>[] =>
  (Array.isArray(result) ? result : [result]).filter(
    (record): record is Record<string, unknown> => typeof record === 'object' && record !== null
  )

export const outbox = (app: Application) => async (context: HookContext, next: NextFunction) => {
  const defaultEvent = WRITES[context.method]
  const streams = app.realtime.streams
  const skip = !defaultEvent || !ROOM_SERVICES.has(context.path) || NOT_WRITES.has(`${context.path} ${context.method}`)
  if (skip || !streams.eventLog) return next()
  const root = app.get('dbRoot')
  await inTransaction(
    root,
    async () => {
      await next()
      return context
    },
    async (trx) => {
      // A hook may have renamed the event, or silenced it (test-runs remove: `context.event = null`).
      if (context.event === null) return
      const eventName = `${context.path} ${context.event ?? defaultEvent}`
      // What the dispatcher will send: `dispatch` if a hook set it, else the result.
      for (const record of recordsOf(context.dispatch ?? context.result)) {
        const projectId = projectOfRecord(context.path, record)
        if (projectId === undefined) continue
        // A new project starts a new stream (an id SQLite reused must not continue an old one).
        if (context.path === 'projects' && context.method === 'create') await streams.eventLog!.restart(projectId, trx)
        await streams.appendInTransaction(projectId, eventName, record, trx)
      }
    }
  )
}
