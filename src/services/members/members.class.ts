// /projects/:project_id/members[/:user_id]: list, add, change and remove members (owners only,
// src/access/policy.ts). A project keeps at least one owner. A removed member's sockets leave the
// project room at once, on every instance (realtime.revocations).
import { BadRequest, Conflict, NotFound } from '@feathersjs/errors'
import type { Id, Params } from '@feathersjs/feathers'
import type { Memberships } from '../../access/memberships'
import type { Application } from '../../declarations'
import { existingParent } from '../../hooks/route-id'
import { parseId } from '../../ids'
import type { MemberData, MemberPatch, ProjectMember } from './members.schema'

const LAST_OWNER = 'A project keeps at least one owner: make another member owner first'

export class ProjectMembersService {
  constructor(private readonly app: Application) {}

  private get memberships(): Memberships {
    return this.app.access.memberships
  }

  async find(params?: Params): Promise<ProjectMember[]> {
    return this.memberships.list(await this.project(params))
  }

  async get(id: Id, params?: Params): Promise<ProjectMember> {
    return this.member(await this.project(params), id)
  }

  async create(data: MemberData, params?: Params): Promise<ProjectMember> {
    const projectId = await this.project(params)
    const userId = await this.userIdOf(data)
    if (!(await this.memberships.add(projectId, userId, data.role))) {
      throw new Conflict(`User ${userId} is a member of project ${projectId} already: PATCH their role instead`)
    }
    return this.member(projectId, userId)
  }

  async patch(id: Id | null, data: MemberPatch, params?: Params): Promise<ProjectMember> {
    if (id === null) throw new BadRequest('Name the member: PATCH /projects/:project_id/members/:user_id')
    const projectId = await this.project(params)
    const userId = this.userId(id)
    const outcome = await this.memberships.change(projectId, userId, data.role)
    if (outcome === 'missing') throw new NotFound(`User ${id} is not a member of project ${projectId}`)
    if (outcome === 'last-owner') throw new Conflict(LAST_OWNER)
    return this.member(projectId, userId)
  }

  async remove(id: Id | null, params?: Params): Promise<ProjectMember> {
    if (id === null) throw new BadRequest('Name the member: DELETE /projects/:project_id/members/:user_id')
    const projectId = await this.project(params)
    const member = await this.member(projectId, id)
    const outcome = await this.memberships.change(projectId, member.user_id, null)
    if (outcome === 'missing') throw new NotFound(`User ${id} is not a member of project ${projectId}`)
    if (outcome === 'last-owner') throw new Conflict(LAST_OWNER)
    this.app.realtime.revocations.revokeUser(member.user_id, projectId, 'member_removed')
    return member
  }

  private project(params?: Params) {
    return existingParent(params, 'project_id', 'Project', (id) => this.app.service('projects').get(id))
  }

  private userId(id: Id) {
    const userId = parseId(id)
    if (userId === undefined) throw new NotFound(`No member with id '${String(id)}'`)
    return userId
  }

  private async member(projectId: number, id: Id) {
    const member = await this.memberships.get(projectId, this.userId(id))
    if (!member) throw new NotFound(`User ${String(id)} is not a member of project ${projectId}`)
    return member
  }

  /** The user to add, by id or by email; a 404 names what was not found. */
  private async userIdOf(data: MemberData): Promise<number> {
    const db = this.app.get('dbClient')
    const row =
      'user_id' in data
        ? await db('users').where({ id: data.user_id }).first('id')
        : await db('users').where({ email: data.email.trim().toLowerCase() }).first('id')
    if (!row)
      throw new NotFound('user_id' in data ? `No user with id ${data.user_id}` : `No user with email ${data.email}`)
    return Number(row.id)
  }
}
