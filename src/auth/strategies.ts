// The ways to prove who you are, as Feathers authentication strategies:
//   jwt          our own access tokens (HS256, AUTH_SECRET), and the door for platform tokens:
//                an RS256/ES256 token sent as `jwt` is handed to platform-jwt, so clients send
//                every token the same way (Bearer header, handshake auth.token, {strategy: jwt}).
//                Its handleConnection keeps a socket's identity; token expiry on live sockets is
//                decided there (see the EXPIRY block).
//   local        email + password (bcrypt), one 401 message for every failure.
//   platform-jwt tokens of the platform's main backend, verified with AUTH_JWT_PUBLIC_KEY; `sub`
//                names the user, created on first sight (users.external_id).
import { NotAuthenticated, NotFound } from '@feathersjs/errors'
import { AuthenticationBaseStrategy, JWTStrategy } from '@feathersjs/authentication'
import type {
  AuthenticationParams,
  AuthenticationRequest,
  AuthenticationResult,
  ConnectionEvent
} from '@feathersjs/authentication'
import { LocalStrategy } from '@feathersjs/authentication-local'
import type { Params } from '@feathersjs/feathers'
import jsonwebtoken from 'jsonwebtoken'
import type { JwtPayload } from 'jsonwebtoken'
import { platformKeyAlgorithm } from '../configuration'
import type { Application } from '../declarations'
import { TokenExpiry } from './expiry'
import type { User } from '../services/users/users.schema'
import type { UserService } from '../services/users/users.class'

export const JWT_STRATEGY = 'jwt'
export const LOCAL_STRATEGY = 'local'
export const PLATFORM_STRATEGY = 'platform-jwt'

/** The same words for an unknown email, a wrong password and a passwordless account. */
export const LOGIN_FAILED = 'Invalid email or password'

// A bcrypt hash of a random string: an unknown email costs a comparison too, so the answer's
// timing does not tell which emails have accounts.
const DUMMY_HASH = '$2b$10$hI2PAAsTDCbythqO7sra5.4b9BWOq5JPHNTKL7QnpzeewmzDC6h..'

const usersOf = (strategy: AuthenticationBaseStrategy) => strategy.app!.service('users') as unknown as UserService

/** A token's `alg` header, without verifying anything. */
function algorithmOf(token: string): string | undefined {
  const decoded = jsonwebtoken.decode(token, { complete: true })
  return decoded && typeof decoded === 'object' ? decoded.header?.alg : undefined
}

export class AccessTokenStrategy extends JWTStrategy {
  /** Warnings and expiry of the tokens of live sockets (expiry.ts). */
  private expiryOf?: TokenExpiry

  get expiry() {
    // Feathers types a strategy's app loosely; it is this application.
    this.expiryOf ??= new TokenExpiry(this.app as unknown as Application)
    return this.expiryOf
  }

  // Promise<any>: JWTStrategy declares its result with `any` fields; ours carries a user besides.
  async authenticate(authentication: AuthenticationRequest, params: AuthenticationParams): Promise<any> {
    const { accessToken } = authentication
    if (typeof accessToken !== 'string' || accessToken === '') throw new NotAuthenticated('No access token')
    const platform = this.authentication?.getStrategy(PLATFORM_STRATEGY) as PlatformJwtStrategy | undefined
    if (platform && platform.algorithm === algorithmOf(accessToken)) {
      return platform.authenticate({ strategy: PLATFORM_STRATEGY, accessToken }, params)
    }
    let payload: JwtPayload
    try {
      // Our own options only (algorithm HS256, issuer, audience): params.jwt is not honoured.
      payload = await this.authentication!.verifyAccessToken(accessToken)
    } catch (error: any) {
      throw new NotAuthenticated(`Invalid access token: ${error?.message ?? 'not verifiable'}`)
    }
    const user = await this.getEntity(String(payload.sub), params)
    return { accessToken, authentication: { strategy: JWT_STRATEGY, accessToken, payload }, user }
  }

  /** The token's user, as clients see it; a deleted user's token is a 401, not a 404. */
  async getEntity(id: string, _params: Params): Promise<User> {
    try {
      return (await this.app!.service('users').get(id)) as unknown as User
    } catch (error) {
      if (error instanceof NotFound) throw new NotAuthenticated('The user of this access token no longer exists')
      throw error
    }
  }

  /**
   * A socket's identity: `login` (the handshake token, or `create authentication` over the
   * socket) sets `connection.user` and `connection.authentication` = {strategy: 'jwt',
   * accessToken}; `logout` of that token and `disconnect` remove them. Later calls on the socket
   * re-verify the token (src/auth/hooks.ts), so an expired token stops working even while the
   * socket stays open.
   */
  async handleConnection(event: ConnectionEvent, connection: any, authResult?: AuthenticationResult): Promise<void> {
    const accessToken: string | undefined = authResult?.accessToken
    const isValidLogout =
      event === 'logout' &&
      connection.authentication &&
      accessToken &&
      connection.authentication.accessToken === accessToken

    if (accessToken && event === 'login') {
      const payload: JwtPayload =
        authResult?.authentication?.payload ??
        (await this.authenticate({ strategy: JWT_STRATEGY, accessToken }, {})).authentication.payload
      const previousUserId: number | undefined = connection.user?.id
      connection.authentication = { strategy: JWT_STRATEGY, accessToken }
      connection.user = authResult?.user
      // Logged in as someone else on a live socket: the previous identity's rooms are left.
      if (previousUserId !== undefined && previousUserId !== connection.user?.id)
        this.expiry.leaveRooms(connection, 'auth_changed')
      // Not Feathers' disconnect at `exp`: a warning, then the rooms are left (expiry.ts).
      this.expiry.arm(connection, payload?.exp)
    } else if (event === 'disconnect' || isValidLogout) {
      this.expiry.cancel(connection)
      // Logged out on a live socket: it is anonymous now, so it leaves the rooms its user had.
      if (isValidLogout) this.expiry.leaveRooms(connection, 'auth_changed')
      // After the current tick, as Feathers does: other 'disconnect' listeners may still read them.
      await new Promise<void>((resolve) =>
        process.nextTick(() => {
          delete connection.user
          delete connection.authentication
          resolve()
        })
      )
    }
  }
}

export class EmailPasswordStrategy extends LocalStrategy {
  get configuration() {
    return { ...super.configuration, errorMessage: LOGIN_FAILED }
  }

  // Promise<any>: LocalStrategy declares its result with an `any` index signature.
  async authenticate(data: AuthenticationRequest, _params: Params): Promise<any> {
    const { email, password } = data
    if (typeof email !== 'string' || typeof password !== 'string' || email === '' || password === '') {
      throw new NotAuthenticated(LOGIN_FAILED)
    }
    const row = await usersOf(this).findWithPasswordHash(email)
    // comparePassword throws the same NotAuthenticated for a wrong password and a missing hash.
    await this.comparePassword({ password_hash: row?.password_hash || DUMMY_HASH }, password)
    if (!row?.password_hash) throw new NotAuthenticated(LOGIN_FAILED)
    const user = (await this.app!.service('users').get(row.id)) as unknown as User
    return { authentication: { strategy: this.name }, user }
  }
}

/**
 * Tokens of the platform's main backend (AUTH_JWT_PUBLIC_KEY): RS256 for an RSA key, ES256 for an
 * EC P-256 key, nothing else. `sub` (required) names the user; `exp` is required too (a token
 * that never expires is refused); an `email` claim is kept when free.
 */
export class PlatformJwtStrategy extends AuthenticationBaseStrategy {
  readonly algorithm: 'RS256' | 'ES256'

  constructor(private readonly publicKey: string) {
    super()
    this.algorithm = platformKeyAlgorithm(publicKey)
  }

  async authenticate(
    authentication: AuthenticationRequest,
    _params: AuthenticationParams
  ): Promise<AuthenticationResult> {
    const { accessToken } = authentication
    if (typeof accessToken !== 'string' || accessToken === '') throw new NotAuthenticated('No access token')
    let payload: JwtPayload
    try {
      const verified = jsonwebtoken.verify(accessToken, this.publicKey, { algorithms: [this.algorithm] })
      if (typeof verified === 'string') throw new Error('the payload is not a JSON object')
      payload = verified
    } catch (error: any) {
      throw new NotAuthenticated(`Invalid platform token: ${error?.message ?? 'not verifiable'}`)
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 255) {
      throw new NotAuthenticated('Invalid platform token: sub must name the user')
    }
    if (typeof payload.exp !== 'number') throw new NotAuthenticated('Invalid platform token: it has no exp')
    const email =
      typeof payload.email === 'string' && /^[^\s@]+@[^\s@]+$/.test(payload.email) && payload.email.length <= 254
        ? payload.email
        : undefined
    const user = await usersOf(this).findOrCreateExternal(payload.sub, email)
    return { accessToken, authentication: { strategy: PLATFORM_STRATEGY, accessToken, payload }, user }
  }
}
