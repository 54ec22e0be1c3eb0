// The socket.io limits.
//   handshake (socket.io middleware, before `connection`): records the client's address in the
//     Feathers connection (`socket.feathers.ip`, hence params.ip of every call on the socket),
//     counts the handshake against its address, lets authentication run (the inner handshake),
//     then takes one of the user's open-socket places. A refusal is the client's connect_error:
//     its message says what and for how long, its `data` is the Feathers error JSON (429).
//   events (socket.use, installed at `connection`): a fixed window per socket, on the socket
//     itself (one socket lives on one instance: no store, no key lookup per packet). Past the
//     limit an event is not handled; if it has an ack, the ack gets the 429 (with
//     data.retry_after_ms) - with socket.use, next(err) would only emit 'error' on the server
//     side, so the ack is answered here and next() is not called. A socket that goes on to twice
//     the limit in one window is disconnected.
import { TooManyRequests } from '@feathersjs/errors'
import type { Socket } from 'socket.io'
import { tooManyRequests } from './errors'
import { addressKey, handshakeIp } from './ip'
import type { OpenSockets } from './open-sockets'
import type { Rule } from './settings'
import type { RuleLimiter } from './store'

/** The Feathers connection of a socket (set by @feathersjs/socketio before our middleware). */
type Connection = { ip?: string; user?: { id?: unknown } } & Record<string, unknown>
const connectionOf = (socket: Socket) => (socket as unknown as { feathers?: Connection }).feathers

/** socket.io sends a middleware error's `message` and `data` to the client's connect_error. */
export function connectError(error: TooManyRequests): Error & { data: unknown } {
  return Object.assign(new Error(error.message), { data: error.toJSON() })
}

export interface HandshakeLimits {
  trustProxy: boolean
  handshakes: RuleLimiter | null
  socketsPerUser: number
  openSockets: OpenSockets
}

export type Handshake = (socket: Socket) => Promise<void>

export function limitHandshake(limits: HandshakeLimits, inner?: Handshake): Handshake {
  const { handshakes, socketsPerUser } = limits
  return async (socket) => {
    const ip = handshakeIp(socket.handshake, limits.trustProxy)
    const connection = connectionOf(socket)
    if (connection) connection.ip = ip
    if (handshakes) {
      const retryAfterMs = await handshakes.take(`ip:${addressKey(ip)}`)
      if (retryAfterMs !== null) {
        const { points, durationS } = handshakes.rule
        throw connectError(
          tooManyRequests(
            `Too many connection attempts from ${ip}: at most ${points} per ${durationS} s per address`,
            retryAfterMs
          )
        )
      }
    }
    await inner?.(socket)
    if (socketsPerUser > 0) await holdPlace(socket, limits.openSockets, socketsPerUser)
  }
}

/** Counts the socket among its user's open sockets until it disconnects; refuses one too many. */
async function holdPlace(socket: Socket, openSockets: OpenSockets, limit: number) {
  const id = connectionOf(socket)?.user?.id
  if (id === undefined || id === null) return
  const user = `user:${String(id)}`
  const place = await openSockets.reserve(user, socket.id, limit)
  if (!place.allowed) {
    throw connectError(
      new TooManyRequests(`Too many open sockets for this user: at most ${limit}; close one to open another`, {
        limit,
        open_sockets: place.open
      })
    )
  }
  if (!place.held) return
  let released = false
  const release = () => {
    if (released) return
    released = true
    void openSockets.release(user, socket.id)
  }
  socket.once('disconnect', release)
  // A connection that closes before the socket is connected gets no 'disconnect'.
  socket.conn.once('close', release)
  if (socket.conn.readyState !== 'open') release()
}

/** Whether a packet is a Feathers method call (`create`, 'messages', data, params, ack). */
export type IsServiceCall = (packet: unknown[]) => boolean

export function limitSocketEvents(rule: Rule, isServiceCall: IsServiceCall) {
  const windowMs = rule.durationS * 1000
  const message = `Too many events on this socket: at most ${rule.points} per ${rule.durationS} s`
  return (socket: Socket) => {
    let windowStart = Date.now()
    let count = 0
    socket.use((packet, next) => {
      const now = Date.now()
      if (now - windowStart >= windowMs) {
        windowStart = now
        count = 0
      }
      count += 1
      if (count <= rule.points) return next()
      if (count > rule.points * 2) {
        socket.disconnect(true)
        return
      }
      const ack = packet[packet.length - 1]
      if (typeof ack !== 'function') return
      const error = tooManyRequests(message, windowStart + windowMs - now).toJSON()
      // Feathers clients take the error as the ack's first argument; our own events answer
      // {ok: false, error} as they do for every other refusal.
      ack(isServiceCall(packet) ? error : { ok: false, error })
    })
  }
}
