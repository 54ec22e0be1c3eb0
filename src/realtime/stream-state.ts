// A project stream's state row (project_log_state): its epoch and the highest seq pruned away.
// Every stream that has ever been appended to, read or pruned has one; rows from before epochs
// existed get theirs on first use. Idempotent and safe when two instances race.
import { randomBytes } from 'crypto'
import type { Knex } from 'knex'

/** A new stream's name: random, so a restored or re-created stream never reuses an old one. */
export const newEpoch = () => randomBytes(6).toString('hex')

export interface StreamRow {
  pruned: number
  epoch: string
}

export async function ensureStream(db: Knex, projectId: number): Promise<StreamRow> {
  // Read-mostly: positioning asks every few seconds; only a missing row or epoch is written.
  const found = await db('project_log_state').where({ project_id: projectId }).first()
  if (found?.epoch) return { pruned: Number(found.pruned_seq ?? 0), epoch: String(found.epoch) }
  await db('project_log_state')
    .insert({ project_id: projectId, pruned_seq: 0, epoch: newEpoch() })
    .onConflict('project_id')
    .ignore()
  await db('project_log_state').where({ project_id: projectId }).whereNull('epoch').update({ epoch: newEpoch() })
  const row = await db('project_log_state').where({ project_id: projectId }).first()
  return { pruned: Number(row?.pruned_seq ?? 0), epoch: String(row?.epoch) }
}

/** Starts the project's stream afresh: its old events go, a new epoch, seq from 1 again. */
export async function restartStream(db: Knex, projectId: number): Promise<string> {
  const epoch = newEpoch()
  await db('project_events').where({ project_id: projectId }).delete()
  await db('project_log_state').where({ project_id: projectId }).delete()
  await db('project_log_state').insert({ project_id: projectId, pruned_seq: 0, epoch })
  return epoch
}
