import type { ClientApplication } from '../../client'
import type { MemberData, MemberPatch, ProjectMember } from './members.schema'

export type { MemberData, MemberPatch, ProjectMember }

export type ProjectMembersClientService = {
  find(): Promise<ProjectMember[]>
  get(userId: number): Promise<ProjectMember>
  create(data: MemberData): Promise<ProjectMember>
  patch(userId: number, data: MemberPatch): Promise<ProjectMember>
  remove(userId: number): Promise<ProjectMember>
}

export const projectMembersPath = 'projects/:project_id/members'
export const projectMembersMethods = ['find', 'get', 'create', 'patch', 'remove'] as const

export const memberClient = (client: ClientApplication) => {
  const connection = client.get('connection')
  client.use(projectMembersPath, connection.service(projectMembersPath), { methods: projectMembersMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [projectMembersPath]: ProjectMembersClientService
  }
}
