// A message's answer from the model: status, patch, token usage, provider and model, or the error.
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (table) => {
    table.string('status', 16).notNullable().defaultTo('pending')
    table.text('patch').nullable()
    table.integer('input_tokens').nullable()
    table.integer('output_tokens').nullable()
    table.integer('total_tokens').nullable()
    table.string('provider', 32).nullable()
    table.string('model', 200).nullable()
    table.string('error_code', 32).nullable()
    table.text('error_message').nullable()
    table.integer('duration_ms').nullable()
    table.string('updated_at', 32).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messages', (table) => {
    for (const column of [
      'status',
      'patch',
      'input_tokens',
      'output_tokens',
      'total_tokens',
      'provider',
      'model',
      'error_code',
      'error_message',
      'duration_ms',
      'updated_at'
    ]) {
      table.dropColumn(column)
    }
  })
}
