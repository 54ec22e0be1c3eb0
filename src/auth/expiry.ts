// Tokens that expire on live sockets - without losing the socket (stock Feathers disconnects it
// at expiry and the client does not come back: feathersjs/feathers#3508, #2754).
//   - `auth_expiring {expires_at}` about 60 s before the token's `exp` (half way for shorter tokens);
//   - a fresh token sent in-band (`create authentication` {strategy: 'jwt', accessToken} over the
//     same socket) re-arms both timers and the socket keeps its rooms;
//   - at `exp` without one: the socket leaves its project rooms (`subscription_revoked`, reason
//     auth_expired, per room), hears `auth_expired {expired_at, project_ids}` and stays connected
//     as an anonymous socket; it can authenticate again and resubscribe with `since`.
import type { Socket } from 'socket.io'
import type { Application } from '../declarations'
import { CONTROL_EVENTS, projectIdOfRoom } from '../realtime'

/** How long before expiry the warning goes out. */
export const EXPIRY_WARNING_MS = 60_000

/** setTimeout for delays past 2^31-1 ms (~24.8 days): re-armed in steps. */
function setLongTimeout(callback: () => void, ms: number): { cancel(): void } {
  const MAX = 2 ** 31 - 1
  let timer: NodeJS.Timeout
  const arm = (remaining: number) => {
    timer = setTimeout(
      () => (remaining > MAX ? arm(remaining - MAX) : callback()),
      Math.min(Math.max(remaining, 0), MAX)
    )
    timer.unref?.()
  }
  arm(ms)
  return { cancel: () => clearTimeout(timer) }
}

/** What a Feathers connection (socket.feathers) holds once authenticated. */
export interface AuthenticatedConnection {
  user?: { id: number }
  authentication?: { strategy: string; accessToken: string }
}

export class TokenExpiry {
  /** Per connection: its warning and expiry timers. */
  private readonly timers = new WeakMap<object, { cancel(): void }[]>()

  constructor(private readonly app: Application) {}

  /** A login on a connection (handshake or in-band): (re)arms its warning and expiry. */
  arm(connection: AuthenticatedConnection, expiresAtS: number | undefined) {
    this.cancel(connection)
    if (typeof expiresAtS !== 'number') return
    const expiresAt = expiresAtS * 1000
    // A minute ahead; for tokens that short-lived, half way (so the socket is there to hear it).
    const warnIn = Math.max(expiresAt - EXPIRY_WARNING_MS - Date.now(), (expiresAt - Date.now()) / 2, 0)
    this.timers.set(connection, [
      setLongTimeout(
        () =>
          this.socketOf(connection)?.emit(CONTROL_EVENTS.authExpiring, {
            expires_at: new Date(expiresAt).toISOString()
          }),
        warnIn
      ),
      setLongTimeout(() => this.expire(connection, expiresAt), expiresAt - Date.now())
    ])
  }

  cancel(connection: object) {
    for (const timer of this.timers.get(connection) ?? []) timer.cancel()
    this.timers.delete(connection)
  }

  /** A login as another user on a live socket: the rooms of the previous identity are left. */
  leaveRooms(connection: object, reason: 'auth_expired' | 'auth_changed') {
    const socket = this.socketOf(connection)
    if (!socket) return []
    const left: number[] = []
    for (const room of [...socket.rooms]) {
      const projectId = projectIdOfRoom(room)
      if (projectId === null) continue
      this.app.realtime.revocations.leave(socket, projectId, reason)
      left.push(projectId)
    }
    return left
  }

  private expire(connection: AuthenticatedConnection, expiresAt: number) {
    this.timers.delete(connection)
    const projectIds = this.leaveRooms(connection, 'auth_expired')
    delete connection.user
    delete connection.authentication
    this.socketOf(connection)?.emit(CONTROL_EVENTS.authExpired, {
      expired_at: new Date(expiresAt).toISOString(),
      project_ids: projectIds
    })
  }

  private socketOf(connection: object): Socket | undefined {
    return this.app.realtime.tracker.socketOf(connection)
  }
}
