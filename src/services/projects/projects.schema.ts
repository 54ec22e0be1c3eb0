// Project records: what is stored, what a client may send, what it may query.
import { resolve } from '@feathersjs/schema'
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import type { HookContext } from '../../declarations'
import { dataValidator, queryValidator } from '../../validators'
import { now } from '../../hooks/timestamps'

// At least one non-space character, at most 200.
const projectName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })

// The project's test command: an argv array (never a shell string), e.g. ["node", "--test"].
export const testCommandSchema = Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), {
  minItems: 1,
  maxItems: 100
})

export const projectSchema = Type.Object(
  {
    id: Type.Integer(),
    name: projectName,
    test_command: Type.Union([testCommandSchema, Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' })
  },
  { $id: 'Project', additionalProperties: false }
)
export type Project = Static<typeof projectSchema>
export const projectResolver = resolve<Project, HookContext>({})

export const projectDataSchema = Type.Object(
  { name: projectName, test_command: Type.Optional(Type.Union([testCommandSchema, Type.Null()])) },
  { $id: 'ProjectData', additionalProperties: false }
)
export type ProjectData = Static<typeof projectDataSchema>
export const projectDataValidator = getValidator(projectDataSchema, dataValidator)
export const projectDataResolver = resolve<Project, HookContext>({ created_at: now, updated_at: now })

export const projectPatchSchema = Type.Partial(projectDataSchema, { $id: 'ProjectPatch', additionalProperties: false })
export type ProjectPatch = Static<typeof projectPatchSchema>
export const projectPatchValidator = getValidator(projectPatchSchema, dataValidator)
export const projectPatchResolver = resolve<Project, HookContext>({ updated_at: now })

export const projectQueryProperties = Type.Pick(projectSchema, ['id', 'name', 'created_at', 'updated_at'])

/** test_command is stored as JSON text; clients see the array. */
export const projectFromRow = (row: ProjectRow): Project => ({
  ...row,
  test_command: typeof row.test_command === 'string' ? JSON.parse(row.test_command) : (row.test_command ?? null)
})

/** A project as stored: test_command as JSON text (rows written before a read may still hold the array). */
export type ProjectRow = Omit<Project, 'test_command'> & { test_command: string | string[] | null }

export const projectToRow = <T extends { test_command?: string[] | null }>(data: T) =>
  data.test_command === undefined
    ? data
    : { ...data, test_command: data.test_command === null ? null : JSON.stringify(data.test_command) }
export const projectQuerySchema = Type.Intersect(
  [querySyntax(projectQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type ProjectQuery = Static<typeof projectQuerySchema>
export const projectQueryValidator = getValidator(projectQuerySchema, queryValidator)
