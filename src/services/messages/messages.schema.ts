// Message records: a prompt sent in a session. project_id is copied from the session so a message
// event can go to its project's room without another lookup.
import { resolve } from '@feathersjs/schema'
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import type { HookContext } from '../../declarations'
import { dataValidator, queryValidator } from '../../validators'
import { now } from '../../hooks/timestamps'

export const PROMPT_MAX_LENGTH = 100_000

export const messageSchema = Type.Object(
  {
    id: Type.Integer(),
    session_id: Type.Integer(),
    project_id: Type.Integer(),
    // Not empty and not only white space.
    prompt: Type.String({ minLength: 1, maxLength: PROMPT_MAX_LENGTH, pattern: '\\S' }),
    created_at: Type.String({ format: 'date-time' })
  },
  { $id: 'Message', additionalProperties: false }
)
export type Message = Static<typeof messageSchema>
export const messageResolver = resolve<Message, HookContext>({})

export const messageDataSchema = Type.Pick(messageSchema, ['session_id', 'prompt'], {
  $id: 'MessageData',
  additionalProperties: false
})
export type MessageData = Static<typeof messageDataSchema>
export const messageDataValidator = getValidator(messageDataSchema, dataValidator)
export const messageDataResolver = resolve<Message, HookContext>({ created_at: now })

export const messageQueryProperties = Type.Pick(messageSchema, ['id', 'session_id', 'project_id', 'created_at'])
export const messageQuerySchema = Type.Intersect(
  [querySyntax(messageQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type MessageQuery = Static<typeof messageQuerySchema>
export const messageQueryValidator = getValidator(messageQuerySchema, queryValidator)
