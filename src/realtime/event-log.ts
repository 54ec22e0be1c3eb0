// The per-project event log behind lossless resume. Every logged event gets the next seq of its
// project and is stored with its payload before it is broadcast. The primary key (project_id, seq)
// makes a seq unique whatever happens.
//  - SQLite (one process): appending is one INSERT; the next seq comes from a per-project cache
//    (the caller's lane serialises appends of one project in this process).
//  - PostgreSQL (instances side by side): each append takes a per-project advisory lock in a
//    transaction, reads the latest seq and inserts the next, so instances take turns.
import type { Knex } from 'knex'
import { isDuplicateKey, isPostgres } from '../database'

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
}

export interface EventLog {
  append(projectId: number, event: string, payload: unknown): Promise<number>
  state(projectId: number): Promise<LogState>
  /** Logged events with seq > afterSeq, oldest first, at most `limit`. */
  read(projectId: number, afterSeq: number, limit: number): Promise<LoggedEvent[]>
  /** Drops events older than the retention or beyond the per-project cap; returns rows deleted. */
  prune(now?: number): Promise<number>
}

export interface RetentionOptions {
  retentionMs: number
  maxPerProject: number
}

export class KnexEventLog implements EventLog {
  constructor(
    private readonly db: Knex,
    private readonly retention: RetentionOptions
  ) {}

  /** SQLite only: project id -> latest seq this process appended (PostgreSQL reads under its lock) */
  private readonly latestSeq = new Map<number, number>()

  async append(projectId: number, event: string, payload: unknown): Promise<number> {
    const row = { project_id: projectId, event, payload: JSON.stringify(payload), created_at: new Date().toISOString() }
    // PostgreSQL is where several instances write: they take turns per project under a lock.
    if (isPostgres(this.db)) return this.appendLocked(projectId, row)
    for (let attempt = 1; ; attempt++) {
      const seq = (this.latestSeq.get(projectId) ?? (await this.state(projectId)).latest) + 1
      try {
        await this.db('project_events').insert({ ...row, seq })
        this.latestSeq.set(projectId, seq)
        return seq
      } catch (error) {
        this.latestSeq.delete(projectId)
        // Another process wrote this seq (SQLite is meant for one process; this only retries).
        if (!isDuplicateKey(error) || attempt >= 20) throw error
      }
    }
  }

  private async appendLocked(projectId: number, row: Record<string, unknown>) {
    return this.db.transaction(async (trx) => {
      // Held until commit: appends to this project from every instance queue here.
      await trx.raw('select pg_advisory_xact_lock(?, ?)', [LOCK_SPACE, projectId])
      const stored = await trx('project_events').where({ project_id: projectId }).max({ seq: 'seq' }).first()
      const pruning = await trx('project_log_state').where({ project_id: projectId }).first()
      const next = Math.max(Number(stored?.seq ?? 0), Number(pruning?.pruned_seq ?? 0)) + 1
      await trx('project_events').insert({ ...row, seq: next })
      return next
    })
  }

  async state(projectId: number): Promise<LogState> {
    const [stored, pruning] = await Promise.all([
      this.db('project_events').where({ project_id: projectId }).max({ seq: 'seq' }).first(),
      this.db('project_log_state').where({ project_id: projectId }).first()
    ])
    const pruned = Number(pruning?.pruned_seq ?? 0)
    return { latest: Math.max(Number(stored?.seq ?? 0), pruned), pruned }
  }

  async read(projectId: number, afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db('project_events')
      .where({ project_id: projectId })
      .andWhere('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
    return rows.map((row) => ({ seq: Number(row.seq), event: row.event, payload: JSON.parse(row.payload) }))
  }

  async prune(now = Date.now()): Promise<number> {
    let deleted = 0
    const cutoff = new Date(now - this.retention.retentionMs).toISOString()
    // Seqs grow with time within a project: dropping "up to the newest expired seq" drops by age.
    const expired = (await this.db('project_events')
      .where('created_at', '<', cutoff)
      .groupBy('project_id')
      .select('project_id')
      .max({ seq: 'seq' })) as { project_id: number; seq: number }[]
    for (const row of expired) deleted += await this.dropThrough(Number(row.project_id), Number(row.seq))

    const overCap = (await this.db('project_events')
      .groupBy('project_id')
      .select('project_id')
      .max({ latest: 'seq' })
      .count({ kept: '*' })
      .havingRaw('count(*) > ?', [this.retention.maxPerProject])) as { project_id: number; latest: number }[]
    for (const row of overCap) {
      deleted += await this.dropThrough(Number(row.project_id), Number(row.latest) - this.retention.maxPerProject)
    }
    return deleted
  }

  private async dropThrough(projectId: number, seq: number) {
    return this.db.transaction(async (trx) => {
      const deleted = await trx('project_events').where({ project_id: projectId }).andWhere('seq', '<=', seq).delete()
      const state = await trx('project_log_state').where({ project_id: projectId }).first()
      if (!state) await trx('project_log_state').insert({ project_id: projectId, pruned_seq: seq })
      else if (Number(state.pruned_seq) < seq)
        await trx('project_log_state').where({ project_id: projectId }).update({ pruned_seq: seq })
      return deleted
    })
  }
}

/** The advisory-lock key space of event log appends (any fixed number unlikely to clash). */
const LOCK_SPACE = 0x76_69_62 // "vib"
