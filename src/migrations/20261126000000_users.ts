// Identities (issue 7): one row per user. `email` + `password_hash` (bcrypt) for local sign-up
// and login; `external_id` is the `sub` of the platform's main backend for users it vouches for
// (AUTH_JWT_PUBLIC_KEY), created on first sight. Both are unique; both may be NULL (a platform
// user need not have an email here, a local user has no external id).
import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.increments('id')
    table.string('email', 254).nullable().unique()
    table.string('password_hash', 100).nullable()
    table.string('external_id', 255).nullable().unique()
    table.string('created_at', 32).notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users')
}
