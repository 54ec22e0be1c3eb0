// The names of the control and presence events. Kept apart from the schemas (./control.ts …) so
// that the browser client (src/project-rooms.ts, src/client-auth.ts) imports these few strings
// without pulling TypeBox and Ajv into its bundle.

export const CONTROL_EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  subscribeResult: 'subscribe_result',
  unsubscribeResult: 'unsubscribe_result',
  heartbeat: 'heartbeat',
  subscriptionRevoked: 'subscription_revoked',
  authExpiring: 'auth_expiring',
  authExpired: 'auth_expired',
  streamPosition: 'stream_position'
} as const

/** Presence in a project room (issue 12): an entry's first socket joined / last socket left. */
export const PRESENCE_EVENTS = {
  join: 'presence_join',
  leave: 'presence_leave'
} as const
