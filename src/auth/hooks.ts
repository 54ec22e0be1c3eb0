// Who is calling, for every external service call (REST and socket.io alike), as one app-wide
// around hook. It sets `params.user` (read it with currentUser(params)):
//   - a token (REST `Authorization: Bearer …`, or the socket's login) is verified on every call,
//     so an expired or revoked token stops working at once; invalid → 401;
//   - no token, AUTH=off: the local user (or the user the socket's handshake named);
//   - no token, AUTH=required: 401, except the public routes (POST /users, and the
//     authentication service, which checks its own input).
// Internal calls (no params.provider) and calls already identified (params.authenticated, e.g.
// a nested route forwarding its params) pass through untouched.
import { NotAuthenticated } from '@feathersjs/errors'
import type { AuthenticationService } from '@feathersjs/authentication'
import type { HookContext, NextFunction } from '../declarations'
import { JWT_STRATEGY } from './strategies'

/** Calls anyone may make without a token (the way to get one). */
const isPublic = (context: HookContext) => context.path === 'users' && context.method === 'create'

function missingToken(provider: string) {
  return new NotAuthenticated(
    provider === 'rest'
      ? 'Authentication required: send Authorization: Bearer <accessToken> (POST /authentication answers one)'
      : "Authentication required: connect with auth: {token: '<accessToken>'} or call create on 'authentication' with {strategy: 'jwt', accessToken}"
  )
}

export const identify = async (context: HookContext, next: NextFunction) => {
  const { app, params } = context
  const authService = app.defaultAuthentication?.() as AuthenticationService | undefined
  if (
    !params.provider ||
    params.authenticated === true ||
    !authService ||
    context.service === (authService as unknown)
  ) {
    return next()
  }

  if (params.authentication) {
    const { provider: _provider, authentication, ...rest } = params
    // `jwt` verifies our tokens and hands platform tokens to `platform-jwt` (strategies.ts).
    const result = await authService.authenticate(authentication, rest, JWT_STRATEGY)
    context.params = { ...params, user: result.user, authentication: result.authentication, authenticated: true }
  } else if (app.get('auth') === 'off') {
    // A socket identified at its handshake keeps that user; everyone else is the local user.
    context.params = { ...params, user: params.user ?? app.get('localUser'), authenticated: true }
  } else if (!isPublic(context)) {
    throw missingToken(params.provider)
  }
  return next()
}
