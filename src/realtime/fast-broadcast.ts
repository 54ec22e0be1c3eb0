// The room broadcast fast path. socket.io's adapter encodes a broadcast once and, with ws, builds
// its websocket frame once (`wsPreEncodedFrame`); but each recipient still goes through engine.io's
// per-socket packet path (a packet object, `packetCreate`, the write buffer, `flush`, the transport's
// send, then `drain`/`ready` events once the write completes): most of a broadcast's cost per
// recipient. Here a socket whose websocket is idle gets the pre-built frame written straight to its
// TCP socket, one write, as a bare `ws` server would (test/bench: the floor).
//
// Only the last step changes: rooms, `except`, `local` and the adapter (the Redis adapter carries
// each broadcast to the other instances exactly once, and their adapters deliver it locally through
// this same path) are socket.io's own. It hooks the one per-connection method the adapter calls for
// each recipient (`client.writeToEngine`), installed on our server's connections only.
//
// A frame goes the fast way only when nothing sent before it can still be waiting: the connection
// is open and not upgrading, its transport is the websocket and writable (no batch in flight),
// engine.io's write buffer is empty, ws holds nothing (bufferedAmount 0: the kernel took every
// earlier byte) and ws's sender has no queue (no compression in progress). Anything else - polling,
// an upgrade, a backlog, a frame socket.io did not pre-build (binary, per-socket emits, acks) -
// takes the normal path, behind what is queued, so each socket's order is kept. Pings are engine.io's
// own packets on the normal path; they are never held back by a fast frame, nor a fast frame by them.
import type { Socket } from 'socket.io'

// The engine.io / ws / socket.io members read here (engine.io 6.6, ws 8, socket.io 4.8): private in
// their types. ws's sender `_state` 0 is DEFAULT (not deflating, not reading a blob).
const MERGED = Symbol('vibecode.mergedFrame')
const INSTALLED = Symbol('vibecode.fastBroadcast')
const WS_OPEN = 1
const SENDER_DEFAULT = 0
interface SenderLike {
  _state: number
  _queue: unknown[]
  sendFrame(frame: Buffer[], cb?: (error?: Error) => void): void
}
interface WsLike {
  readyState: number
  bufferedAmount: number
  _sender?: SenderLike
}
interface EngineLike {
  readyState: string
  upgrading: boolean
  writeBuffer: unknown[]
  transport: { name: string; writable: boolean; socket?: WsLike }
}
interface PacketOptions {
  wsPreEncodedFrame?: Buffer[]
  /** The frame as one buffer, built once per broadcast (the options object is shared by its recipients). */
  [MERGED]?: Buffer[]
}
interface ClientLike {
  conn: EngineLike
  writeToEngine(encodedPackets: unknown, opts: PacketOptions): void
  [INSTALLED]?: true
}

/** What a connection's slow-consumer accounting hears of its fast frames (slow-consumers.ts). */
export interface FastFrameHooks {
  /** The frame was not all taken by the kernel: the socket now holds bytes. */
  held(): void
  /** A fast frame's write completed (called without `this`: ws calls it as a write callback). */
  readonly sent: () => void
}

/** Frames written the fast way and broadcast frames that took the normal path (metrics, tests). */
export const fastBroadcastStats = { fast: 0, normal: 0 }

/**
 * The websocket a frame can be handed to behind what ws already has without passing anything
 * engine.io still holds: the connection is open and not upgrading, its transport is the websocket,
 * engine.io's write buffer is empty and ws's sender has no queue. Undefined otherwise.
 */
function websocketInOrder(conn: EngineLike): WsLike | undefined {
  const transport = conn.transport
  if (conn.readyState !== 'open' || conn.upgrading || transport.name !== 'websocket') return
  if (conn.writeBuffer.length > 0) return
  const ws = transport.socket
  if (!ws || ws.readyState !== WS_OPEN) return
  const sender = ws._sender
  if (!sender || sender._state !== SENDER_DEFAULT || sender._queue.length > 0) return
  return ws
}

/**
 * The websocket a pre-built frame can be written to right now, or undefined (see the top comment):
 * in order, and idle besides - no batch in flight, every earlier byte taken by the kernel.
 */
export function idleWebsocket(conn: EngineLike): WsLike | undefined {
  if (!conn.transport.writable) return
  const ws = websocketInOrder(conn)
  return ws && ws.bufferedAmount === 0 ? ws : undefined
}

/**
 * One buffer for header and payload: one write per recipient instead of cork, two writes, uncork.
 * Built by the first recipient that goes the fast way and kept on the broadcast's options.
 */
function mergedFrame(opts: PacketOptions, frame: Buffer[]) {
  return (opts[MERGED] ??= frame.length === 1 ? frame : [Buffer.concat(frame)])
}

const HOOKS = Symbol('vibecode.fastFrameHooks')
type Hooked = ClientLike & { [HOOKS]?: FastFrameHooks }
/** socket.io's own writeToEngine (its Client's prototype method), read at the first install. */
let normalWriteToEngine: ClientLike['writeToEngine'] | undefined

/**
 * Every hooked connection's writeToEngine: one function for all (`this` is the socket.io client),
 * not a closure per connection.
 */
function writeToEngine(this: Hooked, encodedPackets: unknown, opts: PacketOptions) {
  const frame = opts.wsPreEncodedFrame
  const ws = frame === undefined ? undefined : idleWebsocket(this.conn)
  if (ws === undefined) {
    if (frame !== undefined) fastBroadcastStats.normal++
    return normalWriteToEngine!.call(this, encodedPackets, opts)
  }
  fastBroadcastStats.fast++
  const hooks = this[HOOKS]
  ws._sender!.sendFrame(mergedFrame(opts, frame!), hooks?.sent)
  if (hooks && ws.bufferedAmount > 0) hooks.held()
}

/** Makes broadcasts to this socket's connection take the fast path when they can. */
export function enableFastBroadcast(socket: Socket, hooks?: FastFrameHooks) {
  const client = socket.client as unknown as Hooked
  if (client[INSTALLED]) return
  client[INSTALLED] = true
  normalWriteToEngine ??= (Object.getPrototypeOf(client) as ClientLike).writeToEngine
  if (hooks) client[HOOKS] = hooks
  client.writeToEngine = writeToEngine
}

// A new socket's first frames. socket.io writes the connect acknowledgement as soon as the last
// middleware lets the socket in; the first heartbeat then waited in engine.io's write buffer until
// that write completed and went out as a second write: two system calls and engine.io's packet
// path for every accept (issue 10, bench:connections). Here the TCP socket is corked from the last
// middleware until the end of that event-loop turn (socket.io connects it on the next tick), and
// the heartbeat is handed to ws right behind the acknowledgement: both leave in one write.

interface CorkableWs extends WsLike {
  _socket?: { cork(): void; uncork(): void }
  send(data: string): void
}

/** A socket.io middleware (the last one): holds a websocket connection's writes until the end of this turn. */
export function holdWritesThisTurn(socket: Socket, next: () => void) {
  const conn = (socket.client as unknown as ClientLike).conn
  const tcp =
    conn.transport.name === 'websocket' ? (conn.transport.socket as CorkableWs | undefined)?._socket : undefined
  if (tcp) {
    tcp.cork()
    // Always undone, whatever happens to the socket meanwhile (uncork on a closed socket is harmless).
    setImmediate(() => tcp.uncork())
  }
  next()
}

/**
 * Emits an event to a socket that just connected, straight to ws behind the frames ws already has
 * (the acknowledgement): the same bytes socket.emit would produce. Only when engine.io holds
 * nothing for the socket, so the order is kept, and nobody watches the socket's outgoing events
 * (socket.onAnyOutgoing: the Admin UI's "events sent" view); otherwise socket.emit.
 */
export function emitToNewSocket(socket: Socket, event: string, payload: unknown) {
  const watched = socket.listenersAnyOutgoing().length > 0
  const ws = watched
    ? undefined
    : (websocketInOrder((socket.client as unknown as ClientLike).conn) as CorkableWs | undefined)
  // engine.io's message packet (4) carrying socket.io's EVENT (2) on the main namespace.
  if (ws) ws.send('42' + JSON.stringify([event, payload]))
  else socket.emit(event, payload)
}
