// Keeps a typed client's socket authenticated with tokens from the application's getToken():
//  - every (re)connect's handshake carries a current token (socket.io's `auth` callback);
//  - on `auth_expiring` a fresh token goes in-band (`create authentication` over the same socket),
//    so the socket keeps its rooms;
//  - on `auth_expired` (no fresh token in time) it logs in again in-band and resubscribes every
//    followed project from its last seq: nothing is lost.
// Only types come from the server's modules: this file bundles for the browser.
import type { Socket } from 'socket.io-client'
import type { ProjectRooms } from './project-rooms'
import { CONTROL_EVENTS } from './realtime/events/names'

export type GetToken = () => string | Promise<string>

const LOGIN_TIMEOUT_MS = 10_000

/** `create authentication` {strategy: 'jwt', accessToken} over the socket (Feathers' socket protocol). */
export function authenticateInBand(socket: Socket, accessToken: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer to the in-band login')), LOGIN_TIMEOUT_MS)
    socket.emit('create', 'authentication', { strategy: 'jwt', accessToken }, {}, (error: unknown, result: unknown) => {
      clearTimeout(timer)
      if (error) reject(Object.assign(new Error((error as { message?: string }).message ?? 'login refused'), error))
      else resolve(result)
    })
  })
}

export function keepAuthenticated(
  socket: Socket,
  rooms: ProjectRooms,
  getToken: GetToken,
  warn: (message: string) => void
) {
  socket.auth = (callback: (data: object) => void) => {
    Promise.resolve()
      .then(getToken)
      .then(
        (token) => callback({ token }),
        (error) => {
          warn(`[vibecode] getToken failed, connecting without a token: ${String(error)}`)
          callback({})
        }
      )
  }
  const renew = async () => authenticateInBand(socket, await getToken())
  socket.on(CONTROL_EVENTS.authExpiring, () => {
    renew().catch((error) => warn(`[vibecode] token refresh failed: ${String(error)}`))
  })
  socket.on(CONTROL_EVENTS.authExpired, () => {
    renew()
      .then(() => rooms.resubscribeAll())
      .catch((error) => warn(`[vibecode] login after expiry failed: ${String(error)}`))
  })
}
