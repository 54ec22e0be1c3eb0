import type { Params } from '@feathersjs/feathers'
import type { ClientApplication } from '../../client'
import type { TestRun, TestRunQuery } from './test-runs.schema'

export type { TestRun, TestRunQuery }

export type TestRunClientService = {
  find(params?: Params<TestRunQuery>): Promise<{ total: number; limit: number; skip: number; data: TestRun[] }>
  get(id: number): Promise<TestRun>
  /** Stops an active run. */
  remove(id: number): Promise<TestRun>
}
export type ProjectTestRunsClientService = {
  find(params?: Params<TestRunQuery>): Promise<{ total: number; limit: number; skip: number; data: TestRun[] }>
  create(data?: Record<string, never>): Promise<TestRun>
}

export const testRunPath = 'test-runs'
export const testRunMethods = ['find', 'get', 'remove'] as const
export const projectTestRunsPath = 'projects/:project_id/test-runs'
export const projectTestRunsMethods = ['find', 'create'] as const

export const testRunClient = (client: ClientApplication) => {
  const connection = client.get('connection')
  client.use(testRunPath, connection.service(testRunPath), { methods: testRunMethods })
  client.use(projectTestRunsPath, connection.service(projectTestRunsPath), { methods: projectTestRunsMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [testRunPath]: TestRunClientService
    [projectTestRunsPath]: ProjectTestRunsClientService
  }
}
