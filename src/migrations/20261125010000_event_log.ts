// The per-project event log (lossless resume). project_sequences holds each project's last seq and
// the highest seq pruned away; it has no foreign key, so the log outlives a removed project until
// pruning (its `projects removed` event is logged too).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_sequences', (table) => {
    table.integer('project_id').primary()
    table.bigInteger('last_seq').notNullable().defaultTo(0)
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
  await knex.schema.dropTable('project_sequences')
}
