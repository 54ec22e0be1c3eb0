// Message records: a prompt sent in a session. project_id is copied from the session so a message
// event can go to its project's room without another lookup.
import { resolve } from '@feathersjs/schema'
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import type { HookContext } from '../../declarations'
import { dataValidator, queryValidator } from '../../validators'
import { now } from '../../hooks/timestamps'

export const PROMPT_MAX_LENGTH = 100_000

export const MESSAGE_STATUSES = ['pending', 'streaming', 'completed', 'failed'] as const
export type MessageStatus = (typeof MESSAGE_STATUSES)[number]

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

export const messageSchema = Type.Object(
  {
    id: Type.Integer(),
    session_id: Type.Integer(),
    project_id: Type.Integer(),
    // Not empty and not only white space.
    prompt: Type.String({ minLength: 1, maxLength: PROMPT_MAX_LENGTH, pattern: '\\S' }),
    created_at: Type.String({ format: 'date-time' }),
    // The model's answer (src/vibecode): pending -> streaming -> completed | failed.
    status: Type.Union(MESSAGE_STATUSES.map((status) => Type.Literal(status))),
    patch: nullable(Type.String()),
    token_usage: Type.Union([
      Type.Object({ input_tokens: Type.Integer(), output_tokens: Type.Integer(), total_tokens: Type.Integer() }),
      Type.Null()
    ]),
    provider: nullable(Type.String()),
    model: nullable(Type.String()),
    error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
    duration_ms: Type.Union([Type.Integer(), Type.Null()]),
    updated_at: nullable(Type.String({ format: 'date-time' }))
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
export const messageDataResolver = resolve<Message, HookContext>({
  created_at: now,
  updated_at: now,
  status: async () => 'pending' as const
})

/** How a message is stored: its answer in flat columns. */
export interface MessageRow {
  id: number
  session_id: number
  project_id: number
  prompt: string
  created_at: string
  status: MessageStatus
  patch: string | null
  input_tokens: number | null
  output_tokens: number | null
  total_tokens: number | null
  provider: string | null
  model: string | null
  error_code: string | null
  error_message: string | null
  duration_ms: number | null
  updated_at: string | null
}

/**
 * What an answer writes into a stored message (src/vibecode/jobs.ts, internal calls only: clients
 * cannot patch messages). Row-shaped: usage and error go into their flat columns.
 */
export type MessagePatch = Partial<Omit<MessageRow, 'id' | 'session_id' | 'project_id' | 'prompt' | 'created_at'>>

/** A stored row as clients see it: usage and error as objects. */
export function toMessage(row: MessageRow): Message {
  const { input_tokens, output_tokens, total_tokens, error_code, error_message, ...rest } = row
  return {
    ...rest,
    status: rest.status ?? 'pending',
    patch: rest.patch ?? null,
    provider: rest.provider ?? null,
    model: rest.model ?? null,
    duration_ms: rest.duration_ms ?? null,
    updated_at: rest.updated_at ?? null,
    token_usage:
      total_tokens === null || total_tokens === undefined
        ? null
        : { input_tokens: input_tokens ?? 0, output_tokens: output_tokens ?? 0, total_tokens },
    error: error_code ? { code: error_code, message: error_message ?? '' } : null
  }
}

export const messageQueryProperties = Type.Pick(messageSchema, [
  'id',
  'session_id',
  'project_id',
  'created_at',
  'status'
])
export const messageQuerySchema = Type.Intersect(
  [querySyntax(messageQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type MessageQuery = Static<typeof messageQuerySchema>
export const messageQueryValidator = getValidator(messageQuerySchema, queryValidator)
