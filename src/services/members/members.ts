// Project members: /projects/:project_id/members (see members.class.ts; roles in src/access).
import type { Application } from '../../declarations'
import { validateBody } from '../../hooks/validation'
import { ProjectMembersService } from './members.class'
import { memberDataValidator, memberPatchValidator } from './members.schema'
import { projectMembersMethods, projectMembersPath } from './members.shared'

export * from './members.class'
export * from './members.schema'

export const members = (app: Application) => {
  app.use(projectMembersPath, new ProjectMembersService(app), {
    methods: [...projectMembersMethods],
    events: []
  })
  app.service(projectMembersPath).hooks({
    before: {
      create: [validateBody(memberDataValidator, 'member')],
      patch: [validateBody(memberPatchValidator, 'member')]
    }
  })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [projectMembersPath]: ProjectMembersService
  }
}
