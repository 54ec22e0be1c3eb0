// The per-project event log behind lossless resume. Every logged event gets the next seq of its
// project, atomically (an upsert on project_sequences, so instances sharing PostgreSQL never hand
// out the same seq), and is stored with its payload before it is broadcast.
import type { Knex } from 'knex'

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

  async append(projectId: number, event: string, payload: unknown): Promise<number> {
    return this.db.transaction(async (trx) => {
      const rows = await trx('project_sequences')
        .insert({ project_id: projectId, last_seq: 1, pruned_seq: 0 })
        .onConflict('project_id')
        .merge({ last_seq: trx.raw('?? + 1', ['project_sequences.last_seq']) })
        .returning('last_seq')
      const seq = Number((rows[0] as any)?.last_seq ?? rows[0])
      await trx('project_events').insert({
        project_id: projectId,
        seq,
        event,
        payload: JSON.stringify(payload),
        created_at: new Date().toISOString()
      })
      return seq
    })
  }

  async state(projectId: number): Promise<LogState> {
    const row = await this.db('project_sequences').where({ project_id: projectId }).first()
    return { latest: Number(row?.last_seq ?? 0), pruned: Number(row?.pruned_seq ?? 0) }
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

    const overCap = await this.db('project_sequences').whereRaw('last_seq - pruned_seq > ?', [this.retention.maxPerProject])
    for (const row of overCap) {
      deleted += await this.dropThrough(Number(row.project_id), Number(row.last_seq) - this.retention.maxPerProject)
    }
    return deleted
  }

  private async dropThrough(projectId: number, seq: number) {
    return this.db.transaction(async (trx) => {
      const deleted = await trx('project_events').where({ project_id: projectId }).andWhere('seq', '<=', seq).delete()
      await trx('project_sequences')
        .where({ project_id: projectId })
        .andWhere('pruned_seq', '<', seq)
        .update({ pruned_seq: seq })
      return deleted
    })
  }
}
