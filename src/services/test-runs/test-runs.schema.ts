// Test run records. A run is created queued, then running, then passed | failed | error |
// timeout | cancelled with its summary; output is kept up to the configured cap.
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
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

export const testRunQueryProperties = Type.Pick(testRunSchema, ['id', 'project_id', 'status', 'created_at'])
export const testRunQuerySchema = Type.Intersect(
  [querySyntax(testRunQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type TestRunQuery = Static<typeof testRunQuerySchema>
export const testRunQueryValidator = getValidator(testRunQuerySchema, queryValidator)

/** Stored row -> client shape: command as an array, output_truncated as a boolean. */
export const testRunFromRow = (row: any): TestRun => ({
  ...row,
  command: typeof row.command === 'string' ? JSON.parse(row.command) : row.command,
  output_truncated: Boolean(row.output_truncated)
})
