// The project_members table: who belongs to which project with which role. Plain knex, no
// Feathers service of its own: the REST face is /projects/:project_id/members (src/services/members).
import type { Knex } from 'knex'
import { isDuplicateKey, isPostgres } from '../database'
import type { Role } from './roles'

export interface Member {
  project_id: number
  user_id: number
  email: string | null
  role: Role
  created_at: string
}

export class Memberships {
  constructor(private readonly db: Knex) {}

  /** The user's role in the project, or undefined for a non-member (or a project that is gone). */
  async roleOf(projectId: number, userId: number): Promise<Role | undefined> {
    const row = await this.db('project_members').where({ project_id: projectId, user_id: userId }).first('role')
    return row?.role
  }

  /** Ids of the projects the user is a member of. */
  async projectIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db('project_members').where({ user_id: userId }).select('project_id')
    return rows.map((row) => Number(row.project_id))
  }

  async list(projectId: number): Promise<Member[]> {
    const rows = await this.members().where('m.project_id', projectId).orderBy('m.created_at').orderBy('m.user_id')
    return rows.map(toMember)
  }

  async get(projectId: number, userId: number): Promise<Member | undefined> {
    const row = await this.members().where({ 'm.project_id': projectId, 'm.user_id': userId }).first()
    return row ? toMember(row) : undefined
  }

  /** Adds a member; false when the user already is one (nothing changed). */
  async add(projectId: number, userId: number, role: Role): Promise<boolean> {
    try {
      await this.db('project_members').insert({
        project_id: projectId,
        user_id: userId,
        role,
        created_at: new Date().toISOString()
      })
      return true
    } catch (error) {
      if (isDuplicateKey(error)) return false
      throw error
    }
  }

  /**
   * Changes a role or removes a member, unless that leaves the project without an owner. Runs in
   * a transaction so two owners demoting each other at once cannot both succeed.
   */
  async change(projectId: number, userId: number, role: Role | null): Promise<'done' | 'missing' | 'last-owner'> {
    return this.db.transaction(async (trx) => {
      const owners = trx('project_members').where({ project_id: projectId, role: 'owner' }).select('user_id')
      // PostgreSQL: lock the owner rows; SQLite (one writer at a time) has no row locks to take.
      if (isPostgres(trx)) owners.forUpdate()
      const ownerCount = (await owners).length
      const current = await trx('project_members').where({ project_id: projectId, user_id: userId }).first('role')
      if (!current) return 'missing'
      const lastOwner = current.role === 'owner' && ownerCount === 1 && role !== 'owner'
      if (lastOwner) return 'last-owner'
      const member = trx('project_members').where({ project_id: projectId, user_id: userId })
      await (role === null ? member.delete() : member.update({ role }))
      return 'done'
    })
  }

  private members() {
    return this.db('project_members as m')
      .join('users as u', 'u.id', 'm.user_id')
      .select('m.project_id', 'm.user_id', 'u.email', 'm.role', 'm.created_at')
  }
}

function toMember(row: Record<string, unknown>): Member {
  return {
    project_id: Number(row.project_id),
    user_id: Number(row.user_id),
    email: (row.email as string | null) ?? null,
    role: row.role as Role,
    created_at: String(row.created_at)
  }
}
