// Test run records. A run is created queued, then running, then passed | failed | error |
// timeout | cancelled with its summary; output is kept up to the configured cap. Runs are written
// by the run manager (src/testruns) only: clients find, get and stop them.
import { resolve } from '@feathersjs/schema'
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import type { HookContext } from '../../declarations'
import { now } from '../../hooks/timestamps'
import { queryValidator } from '../../validators'

export const TEST_RUN_STATUSES = ['queued', 'running', 'passed', 'failed', 'error', 'timeout', 'cancelled'] as const
export type TestRunStatus = (typeof TEST_RUN_STATUSES)[number]
export const ACTIVE_STATUSES: TestRunStatus[] = ['queued', 'running']

export const testRunSchema = Type.Object(
  {
    id: Type.Integer(),
    project_id: Type.Integer(),
    command: Type.Array(Type.String()),
    status: Type.Union(TEST_RUN_STATUSES.map((status) => Type.Literal(status))),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    passed: Type.Integer(),
    failed: Type.Integer(),
    skipped: Type.Integer(),
    duration_ms: Type.Union([Type.Integer(), Type.Null()]),
    output: Type.Union([Type.String(), Type.Null()]),
    output_truncated: Type.Boolean(),
    error: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    started_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
  },
  { $id: 'TestRun', additionalProperties: false }
)
export type TestRun = Static<typeof testRunSchema>

/** A new run: the project and its command; it starts `queued`. */
export const testRunDataSchema = Type.Pick(testRunSchema, ['project_id', 'command'], {
  $id: 'TestRunData',
  additionalProperties: false
})
export type TestRunData = Static<typeof testRunDataSchema>
export const testRunDataResolver = resolve<TestRun, HookContext>({
  status: async () => 'queued' as const,
  created_at: now
})

/** What the run manager changes as a run goes: status, times, summary, output. */
export const testRunPatchSchema = Type.Partial(
  Type.Omit(testRunSchema, ['id', 'project_id', 'command', 'created_at']),
  {
    $id: 'TestRunPatch',
    additionalProperties: false
  }
)
export type TestRunPatch = Static<typeof testRunPatchSchema>

export const testRunQueryProperties = Type.Pick(testRunSchema, ['id', 'project_id', 'status', 'created_at'])
export const testRunQuerySchema = Type.Intersect(
  [querySyntax(testRunQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type TestRunQuery = Static<typeof testRunQuerySchema>
export const testRunQueryValidator = getValidator(testRunQuerySchema, queryValidator)

/** How a run is stored: the command as JSON text, output_truncated as the database's boolean. */
export type TestRunRow = Omit<TestRun, 'command' | 'output_truncated'> & {
  command: string
  output_truncated: boolean | number
}

/**
 * Stored row -> client shape: command as an array, output_truncated as a boolean. A run already in
 * client shape passes unchanged (`remove` answers with a `get`, whose result is already shaped).
 */
export const testRunFromRow = (row: TestRunRow | TestRun): TestRun => ({
  ...row,
  command: typeof row.command === 'string' ? JSON.parse(row.command) : row.command,
  output_truncated: Boolean(row.output_truncated)
})

/** New run -> stored row: the command as JSON text. */
export const testRunToRow = <T extends { command: string[] }>(data: T) => ({
  ...data,
  command: JSON.stringify(data.command)
})
