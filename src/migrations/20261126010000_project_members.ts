// Project membership (issue 7): who may see and change a project, and how much. One row per
// (project, user); deleting either deletes the row.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('project_members', (table) => {
    table.integer('project_id').unsigned().notNullable().references('id').inTable('projects').onDelete('CASCADE')
    table.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE')
    table.string('role', 16).notNullable()
    table.string('created_at', 32).notNullable()
    table.primary(['project_id', 'user_id'])
    // "My projects" is the hot query of every find.
    table.index(['user_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('project_members')
}
