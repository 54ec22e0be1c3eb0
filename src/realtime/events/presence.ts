// Who is in a project room. The wire contract was fixed before presence was built (issue 12): the
// subscribe ack lists the entries, `presence_join`/`presence_leave` tell the room about changes, and
// `GET /projects/:project_id/presence` answers the same entries over REST.
import { Type } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'

/**
 * One present user (or, with AUTH=off, one socket). `key` is `user:<id>` for a logged-in user: all
 * their sockets, tabs and devices on any instance are one entry and `connections` counts them.
 * Without identities (AUTH=off) every socket is its own entry `conn:<socket id>`, with
 * `user_id: null`, `email: null` and `name: "local"`.
 */
export const PresenceEntrySchema = Type.Object(
  {
    key: Type.String({ description: '`user:<id>`, or `conn:<socket id>` with AUTH=off' }),
    user_id: Type.Union([Type.Integer(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
    connections: Type.Integer({ minimum: 1, description: 'Sockets of this entry, on every instance' }),
    since: Type.String({ format: 'date-time', description: 'When the entry became present' })
  },
  { additionalProperties: false, title: 'PresenceEntry' }
)
export type PresenceEntry = Static<typeof PresenceEntrySchema>

/**
 * `presence_join` / `presence_leave` (to the project room; not logged, no seq, not replayed): an
 * entry's first socket joined, or its last socket left and the grace period (PRESENCE_GRACE_MS,
 * default 5000) passed without it coming back.
 */
export const PresenceEventSchema = Type.Object(
  { project_id: Type.Integer(), user: PresenceEntrySchema },
  { additionalProperties: false, title: 'PresenceEvent' }
)
export type PresenceEvent = Static<typeof PresenceEventSchema>

/** `GET /projects/:project_id/presence`: the entries present now (members only). */
export const PresenceListSchema = Type.Object(
  { project_id: Type.Integer(), presence: Type.Array(PresenceEntrySchema) },
  { additionalProperties: false, title: 'PresenceList' }
)
export type PresenceList = Static<typeof PresenceListSchema>
