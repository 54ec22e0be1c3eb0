// The projects service: REST /projects and the Feathers `projects` service.
import { hooks as schemaHooks } from '@feathersjs/schema'
import type { Application } from '../../declarations'
import { integerId, validateBody, validateQueryWith } from '../../hooks/validation'
import { ProjectService, getOptions } from './projects.class'
import {
  projectDataResolver,
  projectDataValidator,
  projectPatchResolver,
  projectPatchValidator,
  projectQueryValidator,
  projectResolver
} from './projects.schema'
import { projectMethods, projectPath } from './projects.shared'

export * from './projects.class'
export * from './projects.schema'

export const projects = (app: Application) => {
  app.use(projectPath, new ProjectService(getOptions(app)), { methods: [...projectMethods], events: [] })
  app.service(projectPath).hooks({
    around: { all: [schemaHooks.resolveResult(projectResolver)] },
    before: {
      all: [integerId, validateQueryWith(projectQueryValidator)],
      create: [validateBody(projectDataValidator, 'project'), schemaHooks.resolveData(projectDataResolver)],
      patch: [validateBody(projectPatchValidator, 'project'), schemaHooks.resolveData(projectPatchResolver)]
    }
  })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [projectPath]: ProjectService
  }
}
