// Who is calling: the typed accessors every hook and handler uses. `params.user` is set by
// src/auth/hooks.ts (REST and socket calls) and, for a socket's own params base (the Feathers
// connection, `socket.feathers`), by src/auth/handshake.ts and the JWT strategy's login.
import { NotAuthenticated } from '@feathersjs/errors'
import type { User } from '../services/users/users.schema'

export type { User }

/** The user a call (or a Feathers connection) acts as; undefined when anonymous or internal. */
export function currentUser(params: { user?: unknown } | undefined | null): User | undefined {
  const user = params?.user as User | undefined
  return user && typeof user.id === 'number' ? user : undefined
}

/** The calling user, or a 401 that says how to authenticate. */
export function requireUser(params: { user?: unknown } | undefined | null): User {
  const user = currentUser(params)
  if (!user) throw new NotAuthenticated('Authentication required')
  return user
}
