// Sessions: the flat `sessions` service and the nested route POST/GET /projects/:project_id/sessions.
import { hooks as schemaHooks } from '@feathersjs/schema'
import type { Application, HookContext } from '../../declarations'
import { existing } from '../../hooks/route-id'
import { integerId, validateBody, validateQueryWith } from '../../hooks/validation'
import { ProjectSessionsService, SessionService, getOptions } from './sessions.class'
import { sessionDataResolver, sessionDataValidator, sessionQueryValidator, sessionResolver } from './sessions.schema'
import { projectSessionsMethods, projectSessionsPath, sessionMethods, sessionPath } from './sessions.shared'

export * from './sessions.class'
export * from './sessions.schema'

/** A session belongs to an existing project: 404 before anything is written. */
const projectMustExist = async (context: HookContext) => {
  await existing('Project', context.data.project_id, (id) => context.app.service('projects').get(id))
}

export const sessions = (app: Application) => {
  app.use(sessionPath, new SessionService(getOptions(app)), { methods: [...sessionMethods], events: [] })
  app.service(sessionPath).hooks({
    around: { all: [schemaHooks.resolveResult(sessionResolver)] },
    before: {
      all: [integerId, validateQueryWith(sessionQueryValidator)],
      create: [
        validateBody(sessionDataValidator, 'session'),
        projectMustExist,
        schemaHooks.resolveData(sessionDataResolver)
      ]
    }
  })

  app.use(projectSessionsPath, new ProjectSessionsService(app), { methods: [...projectSessionsMethods], events: [] })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [sessionPath]: SessionService
    [projectSessionsPath]: ProjectSessionsService
  }
}
