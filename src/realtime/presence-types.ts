// The presence shapes of the wire contract, from the event catalog (events/presence.ts), plus the
// identity part the presence modules key entries by.
import type { PresenceEntry } from './events'

export type { PresenceEntry }

/** Who a socket is, for presence: the entry it counts towards. */
export type PresenceIdentity = Pick<PresenceEntry, 'key' | 'user_id' | 'email' | 'name'>
