// The projects service: REST /projects and the Feathers `projects` service.
import { hooks as schemaHooks } from '@feathersjs/schema'
import type { Application, HookContext } from '../../declarations'
import { mapResults } from '../../hooks/map-results'
import { integerId, validateBody, validateQueryWith } from '../../hooks/validation'
import { ProjectService, getOptions } from './projects.class'
import {
  projectDataResolver,
  projectDataValidator,
  projectPatchResolver,
  projectPatchValidator,
  projectFromRow,
  projectQueryValidator,
  projectResolver,
  projectToRow
} from './projects.schema'
import { projectMethods, projectPath } from './projects.shared'

export * from './projects.class'
export * from './projects.schema'

/** test_command goes to the database as JSON text (after validation) and comes back as an array. */
const testCommandToRow = (context: HookContext) => {
  if (context.data && !Array.isArray(context.data)) context.data = projectToRow(context.data)
}
const testCommandFromRow = mapResults(projectFromRow)

export const projects = (app: Application) => {
  app.use(projectPath, new ProjectService(getOptions(app)), { methods: [...projectMethods], events: [] })
  app.service(projectPath).hooks({
    around: { all: [schemaHooks.resolveResult(projectResolver)] },
    before: {
      all: [integerId, validateQueryWith(projectQueryValidator)],
      create: [
        validateBody(projectDataValidator, 'project'),
        schemaHooks.resolveData(projectDataResolver),
        testCommandToRow
      ],
      patch: [
        validateBody(projectPatchValidator, 'project'),
        schemaHooks.resolveData(projectPatchResolver),
        testCommandToRow
      ]
    },
    after: { all: [testCommandFromRow] }
  })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [projectPath]: ProjectService
  }
}
