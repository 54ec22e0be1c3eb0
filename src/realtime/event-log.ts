// The per-project event log behind lossless resume. Every logged event gets the next seq of its
// project and is stored with its payload before it is broadcast. The primary key (project_id, seq)
// makes a seq unique whatever happens. Each project's stream has an epoch (stream-state.ts).
//
// An append can run inside the caller's transaction (`trx`): the outbox. A change to a record and
// its event then commit together, or neither does (src/outbox.ts).
//  - SQLite (one process): appending is one INSERT; outside a transaction the next seq comes from
//    a per-project cache (the caller's lane serialises appends of one project in this process).
//  - SQLite shared by workers (WORKERS > 1, `otherWriters`): no cache - another process may have
//    appended, or restarted the stream - so each append is a transaction that reads the latest seq
//    and inserts the next, under SQLite's write lock taken at BEGIN (src/database-sqlite.ts).
//  - PostgreSQL (instances side by side): each append takes a per-project advisory lock held to
//    the end of its transaction, reads the latest seq and inserts the next: instances take turns,
//    and seqs commit in order.
import cluster from 'cluster'
import type { Knex } from 'knex'
import { isDuplicateKey, isPostgres } from '../database'
import { pruneEventLog, type RetentionOptions } from './event-log-pruning'
import { ensureStream, restartStream } from './stream-state'

export type { RetentionOptions } from './event-log-pruning'

export interface LoggedEvent {
  seq: number
  event: string
  payload: Record<string, unknown>
}

export interface LogState {
  /** The project's latest seq (0: nothing logged yet). */
  latest: number
  /** Every seq up to this one has been pruned away. */
  pruned: number
  /** The stream's name: a seq means something only within its epoch. */
  epoch: string
}

export interface EventLog {
  /** Appends one event; with `trx`, inside the caller's transaction (it commits with it). */
  append(projectId: number, event: string, payload: unknown, trx?: Knex.Transaction): Promise<number>
  /** A new stream for the project (a project created): old events go, a new epoch begins. */
  restart(projectId: number, trx?: Knex.Transaction): Promise<void>
  state(projectId: number): Promise<LogState>
  /** Logged events with seq > afterSeq, oldest first, at most `limit`. */
  read(projectId: number, afterSeq: number, limit: number): Promise<LoggedEvent[]>
  /** Drops events older than the retention or beyond the per-project cap; returns rows deleted. */
  prune(now?: number): Promise<number>
}

/** The advisory-lock key space of event log appends (any fixed number unlikely to clash). */
const LOCK_SPACE = 0x76_69_62 // "vib"

export class KnexEventLog implements EventLog {
  /** SQLite only: project id -> latest seq this process appended (PostgreSQL reads under its lock). */
  private readonly latestSeq = new Map<number, number>()

  /** Whether other processes append to the same database (WORKERS > 1): then nothing is cached. */
  private readonly otherWriters: boolean

  constructor(
    private readonly db: Knex,
    private readonly retention: RetentionOptions & { otherWriters?: boolean }
  ) {
    // A worker of WORKERS > 1 (src/workers) shares the database with the other workers.
    this.otherWriters = retention.otherWriters ?? cluster.isWorker
  }

  async append(projectId: number, event: string, payload: unknown, trx?: Knex.Transaction): Promise<number> {
    const row = { project_id: projectId, event, payload: JSON.stringify(payload), created_at: new Date().toISOString() }
    // In a transaction, or on PostgreSQL: read the latest seq where it is written, under the lock.
    if (trx || isPostgres(this.db) || this.otherWriters) {
      // The cache may hold a seq this transaction is about to take: read afresh next time.
      this.latestSeq.delete(projectId)
      return trx ? this.appendIn(trx, projectId, row) : this.db.transaction((own) => this.appendIn(own, projectId, row))
    }
    for (let attempt = 1; ; attempt++) {
      const seq = (this.latestSeq.get(projectId) ?? (await this.state(projectId)).latest) + 1
      try {
        await this.db('project_events').insert({ ...row, seq })
        this.latestSeq.set(projectId, seq)
        return seq
      } catch (error) {
        this.latestSeq.delete(projectId)
        // Another writer took this seq (a transaction's append, or another process): read again.
        if (!isDuplicateKey(error) || attempt >= 20) throw error
      }
    }
  }

  private async appendIn(trx: Knex.Transaction, projectId: number, row: Record<string, unknown>) {
    await this.lock(trx, projectId)
    const { latest } = await this.stateIn(trx, projectId)
    await trx('project_events').insert({ ...row, seq: latest + 1 })
    return latest + 1
  }

  async restart(projectId: number, trx?: Knex.Transaction): Promise<void> {
    this.latestSeq.delete(projectId)
    const run = async (db: Knex.Transaction) => {
      await this.lock(db, projectId)
      await restartStream(db, projectId)
    }
    await (trx ? run(trx) : this.db.transaction(run))
    this.latestSeq.delete(projectId)
  }

  /** PostgreSQL: appends to one project, from every instance, queue here until commit. */
  private async lock(trx: Knex.Transaction, projectId: number) {
    if (isPostgres(this.db)) await trx.raw('select pg_advisory_xact_lock(?, ?)', [LOCK_SPACE, projectId])
  }

  state(projectId: number): Promise<LogState> {
    return this.stateIn(this.db, projectId)
  }

  private async stateIn(db: Knex, projectId: number): Promise<LogState> {
    const [stored, stream] = await Promise.all([
      db('project_events').where({ project_id: projectId }).max({ seq: 'seq' }).first(),
      ensureStream(db, projectId)
    ])
    return { latest: Math.max(Number(stored?.seq ?? 0), stream.pruned), pruned: stream.pruned, epoch: stream.epoch }
  }

  async read(projectId: number, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db('project_events')
      .where({ project_id: projectId })
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
    return rows.map((row) => ({ seq: Number(row.seq), event: row.event, payload: JSON.parse(row.payload) }))
  }

  prune(now = Date.now()): Promise<number> {
    return pruneEventLog(this.db, this.retention, now)
  }
}
