// Pruning the event log: events older than the retention, and beyond the per-project cap, go; the
// stream's state remembers the highest seq pruned, so the latest seq is known even when every
// event is gone, and a `since` older than what is kept is answered with a reset.
import type { Knex } from 'knex'
import { ensureStream } from './stream-state'

export interface RetentionOptions {
  retentionMs: number
  maxPerProject: number
}

/** Drops what the retention no longer keeps; returns the rows deleted. */
export async function pruneEventLog(db: Knex, retention: RetentionOptions, now = Date.now()): Promise<number> {
  let deleted = 0
  const cutoff = new Date(now - retention.retentionMs).toISOString()
  // Seqs grow with time within a project: dropping "up to the newest expired seq" drops by age.
  const expired = (await db('project_events')
    .where('created_at', '<', cutoff)
    .groupBy('project_id')
    .select('project_id')
    .max({ seq: 'seq' })) as { project_id: number; seq: number }[]
  for (const row of expired) deleted += await dropThrough(db, Number(row.project_id), Number(row.seq))

  const overCap = (await db('project_events')
    .groupBy('project_id')
    .select('project_id')
    .max({ latest: 'seq' })
    .count({ kept: '*' })
    .havingRaw('count(*) > ?', [retention.maxPerProject])) as { project_id: number; latest: number }[]
  for (const row of overCap) {
    deleted += await dropThrough(db, Number(row.project_id), Number(row.latest) - retention.maxPerProject)
  }
  return deleted
}

async function dropThrough(db: Knex, projectId: number, seq: number) {
  return db.transaction(async (trx) => {
    await ensureStream(trx, projectId)
    const deleted = await trx('project_events').where({ project_id: projectId }).andWhere('seq', '<=', seq).delete()
    await trx('project_log_state')
      .where({ project_id: projectId })
      .andWhere('pruned_seq', '<', seq)
      .update({ pruned_seq: seq })
    return deleted
  })
}
