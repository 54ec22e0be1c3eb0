// Session records. `session_id` repeats `id` under the name the phase spec's clients read.
import { resolve, virtual } from '@feathersjs/schema'
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import type { HookContext } from '../../declarations'
import { dataValidator, queryValidator } from '../../validators'
import { now } from '../../hooks/timestamps'

export const sessionSchema = Type.Object(
  {
    id: Type.Integer(),
    session_id: Type.Integer(),
    project_id: Type.Integer(),
    created_at: Type.String({ format: 'date-time' })
  },
  { $id: 'Session', additionalProperties: false }
)
export type Session = Static<typeof sessionSchema>
export const sessionResolver = resolve<Session, HookContext>({
  session_id: virtual(async (session) => session.id)
})

export const sessionDataSchema = Type.Object(
  { project_id: Type.Integer({ minimum: 1 }) },
  { $id: 'SessionData', additionalProperties: false }
)
export type SessionData = Static<typeof sessionDataSchema>
export const sessionDataValidator = getValidator(sessionDataSchema, dataValidator)
export const sessionDataResolver = resolve<Session, HookContext>({ created_at: now })

export const sessionQueryProperties = Type.Pick(sessionSchema, ['id', 'project_id', 'created_at'])
export const sessionQuerySchema = Type.Intersect(
  [querySyntax(sessionQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type SessionQuery = Static<typeof sessionQuerySchema>
export const sessionQueryValidator = getValidator(sessionQuerySchema, queryValidator)
