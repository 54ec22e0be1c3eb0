// User records: what clients see ({id, email, created_at} - never the password hash nor the
// external id), what sign-up and a self-patch may send, what a query may name.
import { Type, getValidator, querySyntax } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import { dataValidator, queryValidator } from '../../validators'

// Plain "something@something": deliverability is not checked here; the address is stored in lower case.
const email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' })
// bcrypt reads at most 72 bytes; longer passwords are refused rather than silently cut (the
// byte count is checked in users.ts, since a character can take up to 4 bytes).
const password = Type.String({ minLength: 8, maxLength: 72 })

/** The client shape of a user. Platform users without an email claim have `email: null`. */
export const userSchema = Type.Object(
  {
    id: Type.Integer(),
    email: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' })
  },
  { $id: 'User', additionalProperties: false }
)
export type User = Static<typeof userSchema>

/** The stored row (only src/services/users and src/auth read the hidden columns). */
export interface UserRow extends User {
  password_hash: string | null
  external_id: string | null
}

export const userDataSchema = Type.Object({ email, password }, { $id: 'UserData', additionalProperties: false })
export type UserData = Static<typeof userDataSchema>
export const userDataValidator = getValidator(userDataSchema, dataValidator)

export const userPatchSchema = Type.Partial(userDataSchema, {
  $id: 'UserPatch',
  additionalProperties: false,
  minProperties: 1
})
export type UserPatch = Static<typeof userPatchSchema>
export const userPatchValidator = getValidator(userPatchSchema, dataValidator)

export const userQueryProperties = Type.Object({ id: Type.Integer(), email: Type.String(), created_at: Type.String() })
export const userQuerySchema = Type.Intersect(
  [querySyntax(userQueryProperties), Type.Object({}, { additionalProperties: false })],
  { additionalProperties: false }
)
export type UserQuery = Static<typeof userQuerySchema>
export const userQueryValidator = getValidator(userQuerySchema, queryValidator)

/** Row to client shape: whitelisted, so a column added later stays private until listed here. */
export const userFromRow = (row: Pick<UserRow, 'id' | 'email' | 'created_at'>): User => ({
  id: row.id,
  email: row.email ?? null,
  created_at: row.created_at
})

export const normalizeEmail = (value: string) => value.trim().toLowerCase()
