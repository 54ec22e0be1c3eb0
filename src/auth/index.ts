// Access control, part 1 (issue 7): identities with Feathers' own authentication.
//   app.configure(authentication)   in app.ts, after the database and the services
// registers the `authentication` service (POST /authentication) with the jwt, local and - with
// AUTH_JWT_PUBLIC_KEY - platform-jwt strategies (strategies.ts), the app-wide hook that sets
// params.user (hooks.ts), and the local user (created at setup; every AUTH=off request acts as it).
// The modes themselves (AUTH, protected mode, AUTH_SECRET rules) are checked in configuration.ts.
import crypto from 'crypto'
import { AuthenticationService } from '@feathersjs/authentication'
import { BadRequest, NotAuthenticated } from '@feathersjs/errors'
import type { Application, HookContext, NextFunction } from '../declarations'
import type { User } from '../services/users/users.schema'
import type { UserService } from '../services/users/users.class'
import { identify } from './hooks'
import {
  AccessTokenStrategy,
  EmailPasswordStrategy,
  JWT_STRATEGY,
  LOCAL_STRATEGY,
  PLATFORM_STRATEGY,
  PlatformJwtStrategy
} from './strategies'

export { currentUser, requireUser } from './current-user'
export type { User } from './current-user'
export { authenticateHandshake } from './handshake'
export { identify } from './hooks'
export * from './strategies'

declare module '../declarations' {
  interface Configuration {
    /** Feathers' authentication settings (built here from the auth* settings). */
    authentication: Record<string, unknown>
    /** The user every AUTH=off request acts as (set at setup). */
    localUser: User
  }
}

/**
 * With AUTH=off and no AUTH_SECRET, tokens are signed with a secret made for this process: local
 * sign-up and login work, and a restart invalidates the tokens (set AUTH_SECRET to keep them, or
 * to share them between instances).
 */
const processSecret = crypto.randomBytes(48).toString('base64url')

/** A login names its strategy with a string (`local`, `jwt`, …); without one Feathers answers 401. */
const strategyIsText = (context: HookContext) => {
  const strategy = (context.data as { strategy?: unknown } | null | undefined)?.strategy
  if (strategy !== undefined && typeof strategy !== 'string') {
    throw new BadRequest('Invalid authentication information: send {"strategy": "local" | "jwt", …}')
  }
}

/** A logout (`remove`) needs the login it ends: the socket's, or the request's Authorization header. */
const loggedInToLogOut = (context: HookContext) => {
  if (!context.params.authentication) throw new NotAuthenticated('Not logged in: there is no access token to remove')
}

/** Audience and issuer of our own tokens: a token of another Feathers app is not one of ours. */
export const TOKEN_AUDIENCE = 'vibecode-realtime'

export const authentication = (app: Application) => {
  const publicKey = app.get('authJwtPublicKey')
  app.set('authentication', {
    secret: app.get('authSecret') ?? processSecret,
    entity: 'user',
    service: 'users',
    authStrategies: [JWT_STRATEGY, LOCAL_STRATEGY, ...(publicKey ? [PLATFORM_STRATEGY] : [])],
    // Only `jwt` reads the Authorization header (it also takes platform tokens).
    parseStrategies: [JWT_STRATEGY],
    jwtOptions: {
      header: { typ: 'access' },
      audience: TOKEN_AUDIENCE,
      issuer: TOKEN_AUDIENCE,
      algorithm: 'HS256',
      expiresIn: app.get('authTokenTtlS')
    },
    local: { usernameField: 'email', passwordField: 'password', entityPasswordField: 'password_hash' }
  })

  const service = new AuthenticationService(app)
  service.register(JWT_STRATEGY, new AccessTokenStrategy())
  service.register(LOCAL_STRATEGY, new EmailPasswordStrategy())
  if (publicKey) service.register(PLATFORM_STRATEGY, new PlatformJwtStrategy(publicKey))
  app.use('authentication', service)
  // Feathers' service turns a non-text strategy into text, and reads params.authentication on
  // remove: a crafted body (`{"strategy": {"toString": 1}}`) or a logout without a login was a 500.
  app.service('authentication').hooks({ before: { create: [strategyIsText], remove: [loggedInToLogOut] } })

  app.hooks({ around: { all: [identify] } })

  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        // After next(): the migrations have run by then (@feathersjs/socketio re-wraps app.setup,
        // so hooks registered after it run outside the database's). The port is not open yet.
        await next()
        app.set('localUser', await (app.service('users') as unknown as UserService).ensureLocalUser())
      }
    ]
  })
}

declare module '../declarations' {
  interface ServiceTypes {
    authentication: AuthenticationService
  }
}
