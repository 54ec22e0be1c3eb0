// Typed project events: what producers (vibecode jobs, test runs) publish to a project room with
// `app.realtime.publish(projectId, type, payload)`. The event name equals the payload's `type`.
// Logged ones reach the wire with their per-project `seq` (see Sequenced); live-only ones without.
import { Type } from '@feathersjs/typebox'
import type { Static, TObject, TProperties } from '@feathersjs/typebox'
import { closed } from './control'

export const TokenUsageSchema = Type.Object(
  {
    input_tokens: Type.Integer({ minimum: 0 }),
    output_tokens: Type.Integer({ minimum: 0 }),
    total_tokens: Type.Integer({ minimum: 0 })
  },
  closed('TokenUsage')
)
export type TokenUsage = Static<typeof TokenUsageSchema>

/** A project event: `type` (= the event name) and `project_id` before its own fields. */
const projectEvent = <T extends string, P extends TProperties>(type: T, properties: P, description: string) =>
  Type.Object(
    { type: Type.Literal(type), project_id: Type.Integer(), ...properties },
    closed(`${type} event`, description)
  )

export const VibecodeResponseEventSchema = projectEvent(
  'vibecode_response',
  {
    session_id: Type.Integer(),
    message_id: Type.Integer(),
    patch: Type.String(),
    token_usage: TokenUsageSchema,
    provider: Type.String(),
    model: Type.String(),
    duration_ms: Type.Integer({ minimum: 0 })
  },
  'A vibecode prompt completed: the unified diff it produced and what it cost.'
)
export type VibecodeResponseEvent = Static<typeof VibecodeResponseEventSchema>

export const TokenUsageEventSchema = projectEvent(
  'token_usage',
  {
    session_id: Type.Integer(),
    message_id: Type.Integer(),
    final: Type.Boolean(),
    ...TokenUsageSchema.properties
  },
  'Token counts while a vibecode response streams (live-only: the final figures are in vibecode_response).'
)
export type TokenUsageEvent = Static<typeof TokenUsageEventSchema>

export const VIBECODE_ERROR_CODES = [
  'rate_limited',
  'provider_error',
  'timeout',
  'stream_broken',
  'no_diff',
  'interrupted',
  'internal'
] as const

export const VibecodeErrorEventSchema = projectEvent(
  'vibecode_error',
  {
    session_id: Type.Integer(),
    message_id: Type.Integer(),
    provider: Type.String(),
    error: Type.Object(
      { code: Type.Union(VIBECODE_ERROR_CODES.map((code) => Type.Literal(code))), message: Type.String() },
      { additionalProperties: false }
    )
  },
  'A vibecode prompt failed; `error.code` says why.'
)
export type VibecodeErrorEvent = Static<typeof VibecodeErrorEventSchema>

export const TestStartedEventSchema = projectEvent(
  'test_started',
  { run_id: Type.Integer(), command: Type.Array(Type.String()), started_at: Type.String({ format: 'date-time' }) },
  "A test run of the project's test command started."
)
export type TestStartedEvent = Static<typeof TestStartedEventSchema>

export const TestOutputEventSchema = projectEvent(
  'test_output',
  {
    run_id: Type.Integer(),
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    lines: Type.Array(Type.String())
  },
  'Output lines of a running test run (live-only: the whole output is on the test run record).'
)
export type TestOutputEvent = Static<typeof TestOutputEventSchema>

export const TestResultEventSchema = projectEvent(
  'test_result',
  {
    run_id: Type.Integer(),
    name: Type.String(),
    ok: Type.Boolean(),
    skipped: Type.Boolean(),
    duration_ms: Type.Optional(Type.Number({ minimum: 0 }))
  },
  'One test of a running test run finished (from its TAP output).'
)
export type TestResultEvent = Static<typeof TestResultEventSchema>

export const TEST_RUN_OUTCOMES = ['passed', 'failed', 'error', 'timeout', 'cancelled'] as const

export const TestCompletedEventSchema = projectEvent(
  'test_completed',
  {
    run_id: Type.Integer(),
    status: Type.Union(TEST_RUN_OUTCOMES.map((status) => Type.Literal(status))),
    exit_code: Type.Union([Type.Integer(), Type.Null()]),
    passed: Type.Integer({ minimum: 0 }),
    failed: Type.Integer({ minimum: 0 }),
    skipped: Type.Integer({ minimum: 0 }),
    duration_ms: Type.Integer({ minimum: 0 })
  },
  'A test run ended: its outcome and counts.'
)
export type TestCompletedEvent = Static<typeof TestCompletedEventSchema>

/** The schemas of the typed events a producer publishes to a project room (name = `type`). */
export const PROJECT_EVENT_SCHEMAS = {
  vibecode_response: VibecodeResponseEventSchema,
  token_usage: TokenUsageEventSchema,
  vibecode_error: VibecodeErrorEventSchema,
  test_started: TestStartedEventSchema,
  test_output: TestOutputEventSchema,
  test_result: TestResultEventSchema,
  test_completed: TestCompletedEventSchema
} satisfies Record<string, TObject>

/** Typed events a producer publishes to a project room (the event name equals `type`). */
export type ProjectEvents = { [K in keyof typeof PROJECT_EVENT_SCHEMAS]: Static<(typeof PROJECT_EVENT_SCHEMAS)[K]> }

export type ProjectEventName = keyof ProjectEvents

/**
 * Live-only events: high-rate progress that is broadcast (reliably, in order, like every event)
 * but not logged, so it carries no seq and is not replayed; its final values arrive in logged
 * events (`vibecode_response`, `test_completed`). Not socket.io's `volatile` flag, which may drop.
 */
export const LIVE_ONLY_EVENTS: ReadonlySet<string> = new Set<ProjectEventName>(['token_usage', 'test_output'])

/** What a logged room event carries besides its payload. */
export const SequencedSchema = Type.Object(
  { seq: Type.Integer({ minimum: 1, description: 'Per-project sequence number (resume with `since`)' }) },
  { additionalProperties: false }
)
export type Sequenced = Static<typeof SequencedSchema>

/** What a producer passes: the payload without the fields the broadcast fills in. */
export type ProjectEventInput<K extends ProjectEventName> = Omit<ProjectEvents[K], 'type' | 'project_id'>
