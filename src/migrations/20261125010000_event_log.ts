// The per-project event log (lossless resume). (project_id, seq) is the primary key: two
// instances can never store the same seq. project_log_state remembers the highest seq pruned away,
// so the latest seq is known even when every event has been pruned. No foreign keys: the log
// outlives a removed project until pruning (its `projects removed` event is logged too).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_log_state', (table) => {
    table.integer('project_id').primary()
    table.bigInteger('pruned_seq').notNullable().defaultTo(0)
  })
  await knex.schema.createTable('project_events', (table) => {
    table.integer('project_id').notNullable()
    table.bigInteger('seq').notNullable()
    table.string('event', 200).notNullable()
    table.text('payload').notNullable()
    table.string('created_at', 32).notNullable()
    table.primary(['project_id', 'seq'])
    table.index(['created_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('project_events')
  await knex.schema.dropTable('project_log_state')
}
