// GET /projects/:project_id/presence: who is in the project room now. The shapes are the wire
// contract's, declared once with the socket events (src/realtime/events/presence.ts); the service
// answers them under the generator's names.
import { PresenceEntrySchema, PresenceListSchema } from '../../realtime/events'
import type { PresenceEntry, PresenceList } from '../../realtime/events'

/** One entry present (a user with all their sockets, or with AUTH=off one socket). */
export const presenceEntrySchema = PresenceEntrySchema
/** The answer of `find`: `{ project_id, presence: PresenceEntry[] }`. */
export const presenceListSchema = PresenceListSchema
export type { PresenceEntry, PresenceList }
