// The users table behind the `users` service, plus the few lookups authentication needs that
// must not go through the service's hooks (the password hash never leaves this class and
// src/auth; the service's answers are whitelisted to {id, email, created_at}).
import type { Params } from '@feathersjs/feathers'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterOptions, KnexAdapterParams } from '@feathersjs/knex'
import type { Knex } from 'knex'
import { isDuplicateKey } from '../../database'
import type { Application } from '../../declarations'
import { normalizeEmail, userFromRow } from './users.schema'
import type { User, UserData, UserPatch, UserQuery, UserRow } from './users.schema'

export type UserParams = KnexAdapterParams<UserQuery>

/** The user every request acts as with AUTH=off (it has no password: nobody can log in as it). */
export const LOCAL_USER_EMAIL = 'local@localhost'

export class UserService<ServiceParams extends Params = UserParams> extends KnexService<
  User,
  UserData,
  ServiceParams,
  UserPatch
> {
  /** The table itself, without the service's hooks. */
  private table() {
    return (this.Model as Knex)('users')
  }

  /** The row with its password hash, for the local strategy only. */
  async findWithPasswordHash(email: string): Promise<UserRow | undefined> {
    return this.table()
      .where({ email: normalizeEmail(email) })
      .first()
  }

  /** The local user (AUTH=off), created once; concurrent instances may race, the row is one. */
  async ensureLocalUser(): Promise<User> {
    await this.table()
      .insert({ email: LOCAL_USER_EMAIL, password_hash: null, external_id: null, created_at: new Date().toISOString() })
      .onConflict('email')
      .ignore()
    return userFromRow(await this.table().where({ email: LOCAL_USER_EMAIL }).first())
  }

  /**
   * The user the platform's main backend names with `sub`, created on first sight. Its email
   * claim is kept when it is free; when a local account already has that address, the platform
   * user is created without one (accounts are never merged by email: sign-up does not verify
   * addresses).
   */
  async findOrCreateExternal(externalId: string, email?: string): Promise<User> {
    const existing = await this.table().where({ external_id: externalId }).first()
    if (existing) return userFromRow(existing)
    const row = { external_id: externalId, password_hash: null, created_at: new Date().toISOString() }
    const insert = (address: string | null) =>
      this.table()
        .insert({ ...row, email: address })
        .onConflict('external_id')
        .ignore()
    try {
      await insert(email ? normalizeEmail(email) : null)
    } catch (error) {
      if (!isDuplicateKey(error)) throw error
      await insert(null)
    }
    return userFromRow(await this.table().where({ external_id: externalId }).first())
  }
}

export const getOptions = (app: Application): KnexAdapterOptions => ({
  paginate: app.get('paginate'),
  Model: app.get('dbClient'),
  name: 'users'
})
