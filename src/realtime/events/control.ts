// Control events: subscribing and its acks, errors, the heartbeat, stream positions, and what the
// server tells a socket about its login and its subscriptions. Every type is the Static<> of its
// schema: the schema is the one source (AsyncAPI document, test validation, TypeScript types).
import { Type } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import { PresenceEntrySchema } from './presence'

/** Options of a payload object: no other properties (a producer that adds one fails the tests). */
export const closed = (title: string, description?: string) =>
  description === undefined
    ? { additionalProperties: false, title }
    : { additionalProperties: false, title, description }

// ---- Client -> server --------------------------------------------------------------------------

/**
 * Payload of `subscribe` and `unsubscribe`. `project_id` may also be the id's decimal string.
 * `since` (subscribe only): the last seq the client has; every logged event after it is replayed,
 * in order, before live events continue. `epoch`: the epoch that `since` belongs to (from an ack or
 * `stream_position`); another one resets.
 */
export const SubscriptionRequestSchema = Type.Object(
  {
    project_id: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })]),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    epoch: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    presence: Type.Optional(
      Type.Boolean({
        description:
          'subscribe only; default true. false: the ack carries no presence list and the socket hears no ' +
          'presence_join/presence_leave (a listener of a large room); it is still present to the others.'
      })
    )
  },
  closed('SubscriptionRequest')
)
export type SubscriptionRequest = Static<typeof SubscriptionRequestSchema>

// ---- Acks and errors ---------------------------------------------------------------------------

/**
 * Errors carry Feathers' error JSON: name, HTTP-like code, message, optional data. Refusals before
 * the handler runs (the socket call guard, the rate limits) send the whole `toJSON()`, with `className`.
 */
export const ErrorPayloadSchema = Type.Object(
  {
    name: Type.String(),
    code: Type.Integer(),
    message: Type.String(),
    className: Type.Optional(Type.String()),
    data: Type.Optional(Type.Unknown())
  },
  closed('ErrorPayload')
)
export type ErrorPayload = Static<typeof ErrorPayloadSchema>

export const ErrorAckSchema = Type.Object(
  { ok: Type.Literal(false), error: ErrorPayloadSchema },
  closed('ErrorAck', 'A subscribe/unsubscribe that failed (bad payload, unknown project, no access).')
)
export type ErrorAck = Static<typeof ErrorAckSchema>

export const SubscriptionOkSchema = Type.Object(
  {
    ok: Type.Literal(true),
    project_id: Type.Integer(),
    room: Type.String({ description: 'The socket.io room: `project:<id>`' }),
    subscribed: Type.Boolean({ description: 'true after subscribe; false after unsubscribe' }),
    was_subscribed: Type.Optional(
      Type.Boolean({ description: 'After unsubscribe: whether the socket was in the room' })
    ),
    seq: Type.Optional(
      Type.Integer({ minimum: 0, description: "After subscribe: the project's latest seq when it took effect" })
    ),
    epoch: Type.Optional(
      Type.String({ description: "After subscribe: the project stream's epoch; send it back with `since` to resume" })
    ),
    recovered: Type.Optional(
      Type.Boolean({
        description:
          'After subscribe with `since`: true when every event after `since` was replayed; false when the log no ' +
          'longer has them (or `since`/`epoch` do not match): refetch over REST'
      })
    ),
    replayed: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'After subscribe with `since`: how many events were replayed before the ack'
      })
    ),
    presence: Type.Optional(
      Type.Array(PresenceEntrySchema, { description: 'After subscribe: who is in the project room' })
    )
  },
  closed('SubscriptionOk')
)
export type SubscriptionOk = Static<typeof SubscriptionOkSchema>

/** Ack of `subscribe` / `unsubscribe` (or, without an ack callback, the `<event>_result` event). */
export const SubscriptionAckSchema = Type.Union([SubscriptionOkSchema, ErrorAckSchema], { title: 'SubscriptionAck' })
export type SubscriptionAck = Static<typeof SubscriptionAckSchema>

/**
 * The error a Feathers service call over the socket answers with (first argument of its ack):
 * `@feathersjs/errors` JSON. No stack, no SQL: anything else is a leak.
 */
export const ServiceErrorSchema = Type.Object(
  {
    name: Type.String(),
    message: Type.String(),
    code: Type.Integer(),
    className: Type.String(),
    data: Type.Optional(Type.Unknown()),
    errors: Type.Optional(Type.Unknown())
  },
  closed('ServiceError')
)
export type ServiceError = Static<typeof ServiceErrorSchema>

// ---- Server -> one socket or a project room ----------------------------------------------------

/**
 * `stream_position` (to a project room, every POSITION_INTERVAL_MS and after the cluster's Redis
 * comes back): where the project's stream stands. A client whose last seq is lower, or whose epoch
 * differs, missed something: subscribe again with `since` (and `epoch`).
 */
export const StreamPositionEventSchema = Type.Object(
  { project_id: Type.Integer(), seq: Type.Integer({ minimum: 0 }), epoch: Type.String() },
  closed('StreamPositionEvent')
)
export type StreamPositionEvent = Static<typeof StreamPositionEventSchema>

/** `auth_expiring`: the socket's token expires at `expires_at`; send a fresh one in-band to keep its rooms. */
export const AuthExpiringEventSchema = Type.Object(
  { expires_at: Type.String({ format: 'date-time' }) },
  closed('AuthExpiringEvent')
)
export type AuthExpiringEvent = Static<typeof AuthExpiringEventSchema>

/** `auth_expired`: the token expired; the socket left these project rooms and is anonymous now. */
export const AuthExpiredEventSchema = Type.Object(
  { expired_at: Type.String({ format: 'date-time' }), project_ids: Type.Array(Type.Integer()) },
  closed('AuthExpiredEvent')
)
export type AuthExpiredEvent = Static<typeof AuthExpiredEventSchema>

export const REVOCATION_REASONS = ['member_removed', 'project_removed', 'auth_expired', 'auth_changed'] as const

/**
 * `subscription_revoked`: the socket was taken out of a project room by the server - its member
 * was removed (`member_removed`), the project deleted (`project_removed`), its token expired
 * (`auth_expired`), or it logged in as another user (`auth_changed`). No further event of that
 * project reaches it.
 */
export const SubscriptionRevokedEventSchema = Type.Object(
  {
    project_id: Type.Integer(),
    reason: Type.Union(REVOCATION_REASONS.map((reason) => Type.Literal(reason)))
  },
  closed('SubscriptionRevokedEvent')
)
export type SubscriptionRevokedEvent = Static<typeof SubscriptionRevokedEventSchema>

// ---- Server -> every connected socket -----------------------------------------------------------

export const HeartbeatEventSchema = Type.Object(
  {
    type: Type.Literal('heartbeat'),
    /** Live sockets: on all instances when clustered over Redis. */
    connections: Type.Integer({ minimum: 0 }),
    timestamp: Type.String({ format: 'date-time' }),
    /** The sending instance, its own sockets and how many instances answered the count. */
    instance: Type.String(),
    instance_connections: Type.Integer({ minimum: 0 }),
    instances: Type.Integer({ minimum: 1 }),
    /** false when some instance did not answer (Redis down): `connections` is then a lower bound. */
    complete: Type.Boolean(),
    /** Project rooms with at least one socket on the sending instance. */
    rooms: Type.Integer({ minimum: 0 }),
    interval_ms: Type.Integer({ minimum: 0 }),
    uptime_s: Type.Integer({ minimum: 0 })
  },
  closed('HeartbeatEvent')
)
export type HeartbeatEvent = Static<typeof HeartbeatEventSchema>
