// Stream epochs (issue 8): each project's event stream has an epoch, a random name given when the
// stream starts (the project is created, or re-created with an id SQLite reused). A client that
// resumes with the seq of another epoch is told to refetch instead of being "recovered" from a
// different stream. Rows from before this migration get their epoch on first use.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('project_log_state', (table) => {
    table.string('epoch', 32).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('project_log_state', (table) => table.dropColumn('epoch'))
}
