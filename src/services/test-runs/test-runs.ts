// Test runs: GET /test-runs[/:id], DELETE /test-runs/:id (stop), and the project route
// POST/GET /projects/:project_id/test-runs. Running them is src/testruns.
import { hooks as schemaHooks } from '@feathersjs/schema'
import type { Application, HookContext } from '../../declarations'
import { mapResults } from '../../hooks/map-results'
import { integerId, validateQueryWith } from '../../hooks/validation'
import { ProjectTestRunsService, TestRunService, getOptions } from './test-runs.class'
import { testRunDataResolver, testRunFromRow, testRunQueryValidator, testRunToRow } from './test-runs.schema'
import type { TestRunData } from './test-runs.schema'
import { projectTestRunsMethods, projectTestRunsPath, testRunMethods, testRunPath } from './test-runs.shared'

export * from './test-runs.class'
export * from './test-runs.schema'

const fromRow = mapResults(testRunFromRow)
/** The command goes to the database as JSON text. */
const commandToRow = (context: HookContext) => {
  context.data = testRunToRow(context.data as TestRunData)
}

export const testRuns = (app: Application) => {
  const service = new TestRunService(getOptions(app))
  service.app = app
  // create and patch exist for the run manager (internal calls); clients only find, get, remove.
  app.use(testRunPath, service, { methods: [...testRunMethods], events: [] })
  app.service(testRunPath).hooks({
    before: {
      all: [integerId, validateQueryWith(testRunQueryValidator)],
      create: [schemaHooks.resolveData(testRunDataResolver), commandToRow]
    },
    after: {
      all: [fromRow],
      // `remove` stops a run; the record stays, so there is no `removed` event (its status
      // change went out as `test-runs patched`).
      remove: [(context: HookContext) => void (context.event = null)]
    }
  })
  app.use(projectTestRunsPath, new ProjectTestRunsService(app), { methods: [...projectTestRunsMethods], events: [] })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [testRunPath]: TestRunService
    [projectTestRunsPath]: ProjectTestRunsService
  }
}
