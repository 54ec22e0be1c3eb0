// Test runs: a project's test command (an argv array, stored as JSON) and the record of each run.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('projects', (table) => {
    table.text('test_command').nullable()
  })
  await knex.schema.createTable('test_runs', (table) => {
    table.increments('id')
    table.integer('project_id').unsigned().notNullable().references('id').inTable('projects').onDelete('CASCADE')
    table.text('command').notNullable()
    table.string('status', 16).notNullable()
    table.integer('exit_code').nullable()
    table.integer('passed').notNullable().defaultTo(0)
    table.integer('failed').notNullable().defaultTo(0)
    table.integer('skipped').notNullable().defaultTo(0)
    table.integer('duration_ms').nullable()
    table.text('output').nullable()
    table.boolean('output_truncated').notNullable().defaultTo(false)
    table.text('error').nullable()
    table.string('created_at', 32).notNullable()
    table.string('started_at', 32).nullable()
    table.string('finished_at', 32).nullable()
    table.index(['project_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('test_runs')
  await knex.schema.alterTable('projects', (table) => table.dropColumn('test_command'))
}
