import { BadRequest } from '@feathersjs/errors'
import type { Id, NullableId, Params } from '@feathersjs/feathers'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterOptions, KnexAdapterParams } from '@feathersjs/knex'
import type { Application } from '../../declarations'
import { existingParent } from '../../hooks/route-id'
import type { TestRun, TestRunData, TestRunPatch, TestRunQuery } from './test-runs.schema'

export type TestRunParams = KnexAdapterParams<TestRunQuery>

/**
 * `test-runs`: find and get runs; `remove(id)` stops an active run (it ends `cancelled`; the
 * record stays as history) and answers the run. Runs are created through the project route.
 */
export class TestRunService<ServiceParams extends Params = TestRunParams> extends KnexService<
  TestRun,
  TestRunData,
  ServiceParams,
  TestRunPatch
> {
  app?: Application

  // KnexService's three overloads; `remove(null)` is refused.
  remove(id: Id, params?: ServiceParams): Promise<TestRun>
  remove(id: null, params?: ServiceParams): Promise<TestRun[]>
  remove(id: NullableId, params?: ServiceParams): Promise<TestRun | TestRun[]>
  async remove(id: NullableId, params?: ServiceParams): Promise<TestRun | TestRun[]> {
    if (id === null) throw new BadRequest('Name the run to stop: DELETE /test-runs/:id')
    const run = await this.get(id, params)
    await this.app!.testRuns.cancel(run.id)
    return this.get(id, params)
  }
}

export const getOptions = (app: Application): KnexAdapterOptions => ({
  paginate: app.get('paginate'),
  Model: app.get('dbClient'),
  name: 'test_runs'
})

/** `/projects/:project_id/test-runs`: start a run of the project's test command; list its runs. */
export class ProjectTestRunsService {
  constructor(private readonly app: Application) {}

  async find(params?: Params<TestRunQuery>) {
    const projectId = await this.existingProject(params)
    return this.app.service('test-runs').find({ query: { ...params?.query, project_id: projectId } })
  }

  async create(data: unknown, params?: Params) {
    const projectId = await this.existingProject(params)
    if (
      data !== undefined &&
      data !== null &&
      (typeof data !== 'object' || Array.isArray(data) || Object.keys(data).length > 0)
    ) {
      throw new BadRequest("Starting a test run takes no body: the command is the project's test_command")
    }
    return this.app.testRuns.start(projectId)
  }

  private existingProject(params?: Params) {
    return existingParent(params, 'project_id', 'Project', (id) => this.app.service('projects').get(id))
  }
}
