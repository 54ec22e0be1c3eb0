// The users service: REST /users. Sign-up (POST, public unless AUTH_SIGNUP=closed) and the
// caller's own record (find/get/patch answer only the caller; another user's id is a 404).
// No remove over the API (users.shared.ts). Answers are {id, email, created_at}; users events go
// to no channel.
import { BadRequest, Conflict, Forbidden, MethodNotAllowed, NotFound } from '@feathersjs/errors'
import type { LocalStrategy } from '@feathersjs/authentication-local'
import type { Application, HookContext } from '../../declarations'
import { mapResults } from '../../hooks/map-results'
import { integerId, validateBody, validateQueryWith } from '../../hooks/validation'
import { now } from '../../hooks/timestamps'
import { requireUser } from '../../auth/current-user'
import { isDuplicateKey } from '../../database'
import { UserService, getOptions } from './users.class'
import { normalizeEmail, userDataValidator, userFromRow, userPatchValidator, userQueryValidator } from './users.schema'
import { userMethods, userPath } from './users.shared'

export * from './users.class'
export * from './users.schema'

const signupOpen = (context: HookContext) => {
  if (context.params.provider && context.app.get('authSignup') === 'closed') {
    throw new Forbidden('Sign-up is closed on this server (AUTH_SIGNUP=closed)')
  }
}

/** External callers see and change only themselves; listing other users' emails is not offered. */
const onlySelf = (context: HookContext) => {
  if (!context.params.provider || context.method === 'create') return
  const user = requireUser(context.params)
  if (context.method === 'find') {
    context.params = { ...context.params, query: { ...context.params.query, id: user.id } }
    return
  }
  if (context.id === null || context.id === undefined) throw new MethodNotAllowed('One user at a time')
  if (context.id !== user.id) throw new NotFound(`No record found for id '${String(context.id)}'`)
}

/** bcrypt reads 72 bytes; then email in lower case, the password as its hash, created_at. */
const toRow = async (context: HookContext) => {
  const { email, password, ...rest } = context.data as { email?: string; password?: string }
  const row: Record<string, unknown> = { ...rest }
  if (email !== undefined) row.email = normalizeEmail(email)
  if (password !== undefined) {
    if (Buffer.byteLength(password, 'utf8') > 72)
      throw new BadRequest('Invalid user: password must be at most 72 bytes')
    const local = context.app.defaultAuthentication?.()?.getStrategy('local') as LocalStrategy | undefined
    if (!local) throw new Error('the local authentication strategy is not registered')
    row.password_hash = await local.hashPassword(password, {})
  }
  if (context.method === 'create') row.created_at = await now()
  context.data = row
}

const emailConflict = (context: HookContext) => {
  if (isDuplicateKey(context.error)) context.error = new Conflict('A user with this email already exists')
}

export const users = (app: Application) => {
  app.use(userPath, new UserService(getOptions(app)), { methods: [...userMethods], events: [] })
  app.service(userPath).hooks({
    before: {
      all: [integerId, validateQueryWith(userQueryValidator), onlySelf],
      create: [signupOpen, validateBody(userDataValidator, 'user'), toRow],
      patch: [validateBody(userPatchValidator, 'user'), toRow]
    },
    after: { all: [mapResults(userFromRow)] },
    error: { create: [emailConflict], patch: [emailConflict] }
  })
  // Identities are nobody's broadcast: no channel, whatever app-wide publisher comes later.
  app.service(userPath).publish(() => [])
}

declare module '../../declarations' {
  interface ServiceTypes {
    [userPath]: UserService
  }
}
