// socket.io: who a socket is, decided once at its handshake from `auth: {token}` (what every
// socket.io client can send: io(url, {auth: {token}}), python-socketio's
// sio.connect(url, auth={"token": …})). Wired as socket.io middleware by the realtime plugin; a
// rejection becomes the client's `connect_error` with this error's message.
//   - a token: verified like Feathers' own `create authentication` over the socket (the same
//     service, strategies and login hooks), so the Feathers connection (`socket.feathers`, the
//     params base of every call on the socket) gets `.user` and `.authentication`;
//   - no token, AUTH=off: the local user;
//   - no token, AUTH=required: connected but anonymous (every call answers 401; subscribing
//     needs a user).
import { NotAuthenticated } from '@feathersjs/errors'
import type { AuthenticationService } from '@feathersjs/authentication'
import type { Socket } from 'socket.io'
import type { Application } from '../declarations'
import { JWT_STRATEGY } from './strategies'

export function authenticateHandshake(app: Application): (socket: Socket) => Promise<void> {
  return async (socket: Socket) => {
    // @feathersjs/socketio keeps the Feathers connection (the params base of the socket's calls) here.
    const connection = (socket as Socket & { feathers?: Record<string, unknown> }).feathers
    if (!connection) throw new Error('authenticateHandshake runs after @feathersjs/socketio has set socket.feathers')
    const token = (socket.handshake.auth as Record<string, unknown> | undefined)?.token
    if (token === undefined || token === null || token === '') {
      if (app.get('auth') === 'off') connection.user = app.get('localUser')
      return
    }
    if (typeof token !== 'string')
      throw new NotAuthenticated('Invalid handshake: auth.token must be a string (an access token)')
    const authService = app.defaultAuthentication?.() as AuthenticationService | undefined
    if (!authService) throw new Error('authentication is not configured')
    // Rejects with NotAuthenticated("Invalid access token: jwt expired" …) for a bad token.
    await authService.create({ strategy: JWT_STRATEGY, accessToken: token }, { provider: 'socketio', connection })
  }
}
