// The first schema: projects own sessions, sessions own messages. Removing a project removes its
// sessions and messages with it (ON DELETE CASCADE; SQLite gets foreign_keys=ON in database.ts).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('projects', (table) => {
    table.increments('id')
    table.string('name', 200).notNullable()
    table.string('created_at', 32).notNullable()
    table.string('updated_at', 32).notNullable()
  })
  await knex.schema.createTable('sessions', (table) => {
    table.increments('id')
    table.integer('project_id').unsigned().notNullable().references('id').inTable('projects').onDelete('CASCADE')
    table.string('created_at', 32).notNullable()
    table.index(['project_id'])
  })
  await knex.schema.createTable('messages', (table) => {
    table.increments('id')
    table.integer('session_id').unsigned().notNullable().references('id').inTable('sessions').onDelete('CASCADE')
    table.integer('project_id').unsigned().notNullable().references('id').inTable('projects').onDelete('CASCADE')
    table.text('prompt').notNullable()
    table.string('created_at', 32).notNullable()
    table.index(['session_id'])
    table.index(['project_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messages')
  await knex.schema.dropTable('sessions')
  await knex.schema.dropTable('projects')
}
