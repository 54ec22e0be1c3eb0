// Slow consumers are cut. socket.io has no backpressure for broadcasts (socketio/socket.io#4435):
// a client that stops reading makes the server hold every event sent to it, without limit (one
// such reader grew the server by ~96 KB per 50 KB event). Here each socket's holding is bounded:
// engine.io's write buffer (packets not yet handed to the transport) plus the websocket's buffered
// bytes (handed to the socket, not yet taken by the kernel). Past SLOW_CONSUMER_MAX_BYTES, or when
// the oldest data held is SLOW_CONSUMER_MAX_MS old, the connection is closed (as Centrifugo cuts a
// reader whose queue passes its limit); the client reconnects and resumes with `since`.
//
// Measuring adds no loop to a broadcast: each socket checks its own bytes when engine.io creates a
// packet for it (its `packetCreate` event: a running count plus ws's bufferedAmount getter, O(1),
// no walk over its queue), one listener call beside the push, flush and write the broadcast already
// does for that socket. The age is kept per batch (flush, drain), not per packet, and checked by
// one sweep over the sockets, once a second (a quarter of SLOW_CONSUMER_MAX_MS when that is
// shorter): O(N) once a second, not per event.
import type { Socket } from 'socket.io'
import type { FastFrameHooks } from './fast-broadcast'

export interface SlowConsumerLimits {
  /** Bytes held for one socket past which it is cut (0: no byte limit). */
  maxBytes: number
  /** How old the oldest data held for one socket may get before it is cut (0: no age limit). */
  maxMs: number
}

/** The websocket close frame a cut client gets, after what it had not read yet. 4000-4999: private use. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008
export const SLOW_CONSUMER_REASON = 'slow_consumer'
/**
 * How long a cut websocket may still drain (a client that catches up reads the close frame and
 * its reason) before its socket is destroyed and what it held is freed.
 */
const CLOSE_GRACE_MS = 2000
/**
 * What a paced replay keeps in flight at most, beyond the kernel's buffers: enough to keep a link
 * busy, small enough that the encoded events are collected young instead of piling up in the heap.
 */
const REPLAY_HIGH_WATER = 1024 * 1024

// The engine.io and ws members read here (engine.io 6.6, ws 8): writeBuffer is engine.io's queue
// (private in its types), a websocket transport's `socket` is the ws WebSocket, whose
// bufferedAmount is its socket's writable length plus what its sender queued.
interface WsLike {
  bufferedAmount: number
  close(code: number, reason: string): void
  terminate(): void
  once(event: 'close', listener: () => void): unknown
}
interface TransportLike {
  name: string
  writable: boolean
  socket?: WsLike
  on(event: 'drain', listener: () => void): unknown
  off(event: 'drain', listener: () => void): unknown
}
interface EngineLike {
  readyState: string
  writeBuffer: unknown[]
  transport: TransportLike
  remoteAddress: string
  on(event: 'packetCreate', listener: (packet: { data?: unknown }) => void): unknown
  on(event: 'flush', listener: () => void): unknown
  on(event: 'upgrade', listener: (transport: TransportLike) => void): unknown
  close(discard?: boolean): void
}

const websocketOf = (conn: EngineLike) => (conn.transport.name === 'websocket' ? conn.transport.socket : undefined)

const sizeOf = (data: unknown) =>
  typeof data === 'string' ? data.length : data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : 0

/** What a cut looked like: the socket, what it held, how far behind it was, which bound it passed. */
export interface SlowConsumerCut {
  socket_id: string
  bound: 'bytes' | 'age'
  held_bytes: number
  /** Of held_bytes, those still in engine.io's write buffer (the rest: in the websocket's). */
  queued_bytes: number
  behind_ms: number
  max_bytes: number
  max_ms: number
}

/** Where a connection and its transports keep their holding (the shared listeners below read it). */
const HOLDING = Symbol('vibecode.holding')
type Held<T> = T & { [HOLDING]?: Holding }

/**
 * One socket's holding. It is also what the fast path tells of its frames (FastFrameHooks): the
 * listeners of all connections are the same few functions, reading the holding from `this`, so a
 * socket costs one object and one callback here, not a closure per event (issue 10: ~1 KB less
 * per connection).
 */
class Holding implements FastFrameHooks {
  /** Bytes of the packets in engine.io's write buffer (created since the last flush). */
  queued = 0
  /** When the oldest data still held was produced (null: nothing held). */
  since: number | null = null
  /** When the batch being written now was handed to the transport. */
  batchAt = 0
  cut = false
  /** A fast frame's write completed (ws calls it without `this`). */
  readonly sent = () => {
    // As a transport drain: nothing held any more unless a normal batch or bytes are still out.
    const conn = this.conn
    if (conn.transport.writable && conn.writeBuffer.length === 0 && !websocketOf(conn)?.bufferedAmount)
      this.since = null
  }

  constructor(
    readonly owner: SlowConsumers,
    readonly socket: Socket,
    readonly conn: EngineLike
  ) {}

  bytes() {
    return this.queued + (websocketOf(this.conn)?.bufferedAmount ?? 0)
  }

  behindMs(now: number) {
    return this.since === null ? 0 : now - this.since
  }

  /** The fast path writes only to a socket that held nothing: this frame is the oldest data held. */
  held() {
    if (this.cut) return
    this.since = Date.now()
    this.owner.checkBytes(this)
  }
}

/** A watched socket's holding, kept on its engine.io connection. */
const holdingOf = (socket: Socket) => (socket.conn as unknown as Held<EngineLike>)[HOLDING]

// The listeners every watched connection shares; `this` is the connection or transport emitting.
function onPacketCreate(this: Held<EngineLike>, packet: { data?: unknown }) {
  const holding = this[HOLDING]
  if (holding) holding.owner.packetCreated(holding, packet.data)
}
function onFlush(this: Held<EngineLike>) {
  // The whole write buffer goes to the transport: from here on ws's bufferedAmount counts it.
  const holding = this[HOLDING]
  if (!holding) return
  holding.queued = 0
  holding.batchAt = Date.now()
  holding.since ??= holding.batchAt
}
// The transport drains once its batch is with the kernel. What is still queued was created after
// that batch was flushed: its age counts from then (at most one batch's write too old).
function onDrain(this: Held<TransportLike>) {
  const holding = this[HOLDING]
  if (holding) holding.since = holding.conn.writeBuffer.length > 0 ? holding.batchAt : null
}
function onUpgrade(this: Held<EngineLike>, transport: Held<TransportLike>) {
  transport[HOLDING] = this[HOLDING]
  transport.on('drain', onDrain)
}

export class SlowConsumers {
  private readonly holdings = new Set<Holding>()
  private sweepTimer?: NodeJS.Timeout
  /** Sockets cut so far, the most bytes seen held for one socket (at packet creation), the last cut. */
  readonly stats: { cut: number; peakBytes: number; last?: SlowConsumerCut } = { cut: 0, peakBytes: 0 }

  constructor(
    readonly limits: SlowConsumerLimits,
    public log?: (message: string) => void
  ) {}

  get enabled() {
    return this.limits.maxBytes > 0 || this.limits.maxMs > 0
  }

  /** Starts watching a new socket; it is forgotten when it disconnects. */
  watch(socket: Socket) {
    if (!this.enabled) return
    const conn = socket.conn as unknown as Held<EngineLike>
    const holding = new Holding(this, socket, conn)
    this.holdings.add(holding)
    conn[HOLDING] = holding
    ;(conn.transport as Held<TransportLike>)[HOLDING] = holding
    conn.on('packetCreate', onPacketCreate)
    conn.on('flush', onFlush)
    conn.transport.on('drain', onDrain)
    // Only a connection that started on long-polling upgrades (WebSocket is the last transport): a
    // listener more on the others would grow each one's listener table (~190 bytes, issue 10).
    if (conn.transport.name !== 'websocket') conn.on('upgrade', onUpgrade)
    this.startSweep()
  }

  /**
   * A watched socket disconnected (the realtime plugin's disconnect listener, not one more here):
   * no longer swept, and the shared listeners on its connection find no holding from now on.
   */
  unwatch(socket: Socket) {
    const conn = socket.conn as unknown as Held<EngineLike>
    const holding = conn[HOLDING]
    if (!holding) return
    conn[HOLDING] = undefined
    ;(conn.transport as Held<TransportLike>)[HOLDING] = undefined
    this.holdings.delete(holding)
    if (this.holdings.size === 0) this.stopSweep()
  }

  /** Bytes the server holds for this socket now (0 for a socket not watched). */
  heldBytes(socket: Socket) {
    return holdingOf(socket)?.bytes() ?? 0
  }

  /**
   * For senders that can wait (a replay): undefined while the socket holds under the high water
   * (half its byte limit, at most REPLAY_HIGH_WATER), else a promise that resolves once it is back
   * under half of that, or is gone.
   */
  pace(socket: Socket): Promise<void> | undefined {
    const holding = holdingOf(socket)
    const high = Math.min(this.limits.maxBytes / 2, REPLAY_HIGH_WATER)
    if (!holding || high <= 0 || holding.bytes() <= high) return undefined
    return new Promise((resolve) => {
      const check = () => {
        if (holding.bytes() > high / 2 && holding.conn.readyState === 'open') return
        clearInterval(timer)
        resolve()
      }
      // Only a replaying socket over half its limit waits here: a short poll of two numbers is
      // simpler than following drains across transports, and ends when the socket goes.
      const timer = setInterval(check, 10)
    })
  }

  stop() {
    this.stopSweep()
  }

  /**
   * What this socket's accounting hears of frames the fast path (fast-broadcast.ts) writes past
   * engine.io (no packetCreate, flush or drain for them); undefined for a socket not watched.
   */
  fastFrameHooks(socket: Socket): FastFrameHooks | undefined {
    return holdingOf(socket)
  }

  /** @internal the shared packetCreate listener's step */
  packetCreated(holding: Holding, data: unknown) {
    if (holding.cut) return
    // A writable transport flushes this packet at once (the flush stamps it): no clock needed here.
    if (holding.since === null && !holding.conn.transport.writable) holding.since = Date.now()
    holding.queued += sizeOf(data)
    this.checkBytes(holding)
  }

  /** @internal */
  checkBytes(holding: Holding) {
    const bytes = holding.bytes()
    if (bytes > this.stats.peakBytes) this.stats.peakBytes = bytes
    if (this.limits.maxBytes > 0 && bytes > this.limits.maxBytes) this.cut(holding, 'bytes', bytes, Date.now())
  }

  private startSweep() {
    if (this.sweepTimer || this.limits.maxMs <= 0) return
    // A quarter of the age limit, at most every second: the cut comes within 25% of it.
    const every = Math.max(10, Math.min(1000, Math.floor(this.limits.maxMs / 4)))
    this.sweepTimer = setInterval(() => this.sweep(), every)
    this.sweepTimer.unref()
  }

  private stopSweep() {
    clearInterval(this.sweepTimer)
    this.sweepTimer = undefined
  }

  private sweep() {
    const now = Date.now()
    for (const holding of this.holdings) {
      if (!holding.cut && holding.behindMs(now) > this.limits.maxMs) this.cut(holding, 'age', holding.bytes(), now)
    }
  }

  /**
   * Closes a slow socket's connection. Nothing sent now would reach it before what it has not read
   * (a `slow_consumer` event would queue behind the backlog), so the reason travels in the
   * websocket close frame, and the connection is closed at the transport: socket.io clients see
   * "transport close" and reconnect by themselves (a socket.io DISCONNECT would keep them away).
   * Deferred to a microtask: a packet is being created inside some broadcast loop right now.
   */
  private cut(holding: Holding, bound: SlowConsumerCut['bound'], bytes: number, now: number) {
    holding.cut = true
    const { socket, conn } = holding
    const { maxBytes, maxMs } = this.limits
    const behind = holding.behindMs(now)
    this.stats.cut++
    this.stats.last = {
      socket_id: socket.id,
      bound,
      held_bytes: bytes,
      queued_bytes: holding.queued,
      behind_ms: behind,
      max_bytes: maxBytes,
      max_ms: maxMs
    }
    queueMicrotask(() => {
      if (conn.readyState === 'closed') return
      this.log?.(
        `slow consumer cut (${bound}): socket ${socket.id} (${conn.remoteAddress}) held ${bytes} bytes, ` +
          `${behind} ms behind (SLOW_CONSUMER_MAX_BYTES=${maxBytes}, SLOW_CONSUMER_MAX_MS=${maxMs})`
      )
      const ws = websocketOf(conn)
      if (ws) {
        ws.close(SLOW_CONSUMER_CLOSE_CODE, SLOW_CONSUMER_REASON)
        const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS)
        timer.unref()
        ws.once('close', () => clearTimeout(timer))
      }
      // discard: engine.io closes at once instead of waiting for a drain that will not come; its
      // write buffer is dropped, and socket.io's `disconnect` follows (reason "forced close").
      conn.close(true)
    })
  }
}
