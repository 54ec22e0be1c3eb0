// The client side of the soak (soak.ts), in its own process so its parsing and timers do not count
// as the server's: `clients` socket.io clients, each in a loop until `until` (a wall-clock time):
// connect (websocket, polling, or polling upgraded to websocket), subscribe to one of the projects
// (resuming with `since` and `epoch` when it has been there before), sometimes send garbage (bad
// payloads, unknown events and methods, a malformed packet that makes the server close it), stay a
// random short while, then leave - politely, or abruptly (its TCP connections destroyed: no
// disconnect packet). It checks what it sees: every ack answered, no 5xx, seqs in order with no gap.
// Progress goes to the parent every second (a process the parent SIGKILLs leaves its last one).
import http from 'http'
import net from 'net'
import { io } from 'socket.io-client'
import type { Socket } from 'socket.io-client'

interface Start {
  url: string
  projects: number[]
  clients: number
  until: number
  seed: number
  stayMs: number
  ackTimeoutMs: number
}

const stats = {
  cycles: 0,
  connects: 0,
  transports: { websocket: 0, polling: 0, polling_then_websocket: 0 } as Record<string, number>,
  upgraded: 0,
  connect_errors: {} as Record<string, number>,
  subscribes: 0,
  subscribes_with_since: 0,
  recovered: 0,
  not_recovered: 0,
  subscribe_failures: {} as Record<string, number>,
  garbage_emits: 0,
  acks_answered: 0,
  acks_unanswered: 0,
  acks_lost_to_disconnect: 0,
  acks_5xx: 0,
  error_codes: {} as Record<string, number>,
  leaves: {
    graceful: 0,
    unsubscribe_then_leave: 0,
    abrupt: 0,
    abrupt_before_subscribe: 0,
    parse_error: 0
  } as Record<string, number>,
  unexpected_disconnects: {} as Record<string, number>,
  client_side_close_timeouts: {} as Record<string, number>,
  events_received: 0,
  seq_events: 0,
  seq_gaps: 0,
  seq_duplicates: 0,
  examples: [] as string[]
}

const AGENT_LINGER_MS = 2000

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1)
const note = (text: string) => stats.examples.length < 20 && stats.examples.push(text)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

// A small seeded PRNG (mulberry32): runs with the same seed make the same choices.
let seed = 1
function random() {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]

/** The error code in an ack: Feathers calls answer (error, result), the rest `{ok: false, error}`. */
function codeOf(args: unknown[]): number | undefined {
  const first = args[0] as { ok?: boolean; code?: unknown; error?: { code?: unknown } } | null | undefined
  if (!first || typeof first !== 'object') return undefined
  const code = 'ok' in first ? first.error?.code : first.code
  return typeof code === 'number' ? code : undefined
}

type Answer = { answered: true; args: unknown[] } | { answered: false; reason: 'timeout' | 'disconnected' }

/** emit with an ack, answered or not within the timeout; a disconnect meanwhile is told apart. */
function call(socket: Socket, timeoutMs: number, event: string, ...args: unknown[]): Promise<Answer> {
  return new Promise((resolve) => {
    let done = false
    const finish = (answer: Answer) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.off('disconnect', onDisconnect)
      resolve(answer)
    }
    const onDisconnect = () => finish({ answered: false, reason: 'disconnected' })
    const timer = setTimeout(() => finish({ answered: false, reason: 'timeout' }), timeoutMs)
    socket.once('disconnect', onDisconnect)
    socket.emit(event, ...args, (...answer: unknown[]) => finish({ answered: true, args: answer }))
  })
}

function count(answer: Answer, what: string) {
  if (!answer.answered) {
    if (answer.reason === 'timeout') {
      stats.acks_unanswered++
      note(`unanswered: ${what}`)
    } else stats.acks_lost_to_disconnect++
    return
  }
  stats.acks_answered++
  const code = codeOf(answer.args)
  if (code !== undefined) bump(stats.error_codes, String(code))
  if (code !== undefined && code >= 500) {
    stats.acks_5xx++
    note(`${code}: ${what} -> ${JSON.stringify(answer.args).slice(0, 200)}`)
  }
}

/** Garbage a client may send: the event and its arguments; `ack` whether it waits for an answer. */
const GARBAGE: { ack: boolean; args: () => unknown[] }[] = [
  { ack: true, args: () => ['subscribe', 'not an object'] },
  { ack: true, args: () => ['subscribe', null] },
  { ack: true, args: () => ['subscribe', { project_id: -1 }] },
  { ack: true, args: () => ['subscribe', { project_id: 999_999 }] },
  { ack: true, args: () => ['subscribe', { project_id: 999_999, since: 1e20, epoch: 42 }] },
  { ack: true, args: () => ['subscribe', { project_id: 'x'.repeat(5000) }] },
  { ack: true, args: () => ['unsubscribe', { project_id: 'abc' }] },
  { ack: true, args: () => ['nonsense', { a: 1 }] },
  { ack: true, args: () => ['get', 'projects'] },
  { ack: true, args: () => ['get', 'projects', '__proto__'] },
  { ack: true, args: () => ['update', 'projects', 1, {}] },
  { ack: true, args: () => ['find', 'constructor'] },
  { ack: true, args: () => ['find', 'projects', { $skip: 1e20 }] },
  { ack: true, args: () => ['create', 'sessions', { project_id: 'x' }] },
  { ack: true, args: () => ['create', 'projects', 'x'.repeat(10_000)] },
  { ack: true, args: () => ['patch', 'sessions', 1, { project_id: 2 }] },
  { ack: false, args: () => ['subscribe'] },
  { ack: false, args: () => ['whatever', 1, [2], { three: 3 }] },
  { ack: false, args: () => ['remove', 'projects'] }
]

interface Position {
  seq: number
  epoch?: string
}

/**
 * An HTTP agent for one client's connections (its polls, its websocket's upgrade request) that can
 * die: `kill()` destroys every connection it holds, and from then on every new one fails at once,
 * so the client can send nothing more (no close packet, no next poll) - it is gone, as a killed tab
 * or a pulled cable is, and the server finds out from the closed connections or its ping timeout.
 */
class ClientAgent extends http.Agent {
  private dead = false

  constructor() {
    super({ keepAlive: true })
    const agent = this as unknown as { createConnection(...args: unknown[]): net.Socket }
    const create = agent.createConnection.bind(this)
    agent.createConnection = (...args: unknown[]) => {
      if (!this.dead) return create(...args)
      const socket = new net.Socket()
      process.nextTick(() => socket.destroy(new Error('soak: this client is gone')))
      return socket
    }
  }

  kill() {
    this.dead = true
    this.destroy()
  }
}

/** The client vanishes: its TCP connections destroyed, nothing said to the server. */
function destroyAbruptly(socket: Socket, agent: ClientAgent) {
  // An upgraded websocket's connection has left the agent: destroyed on its own.
  const transport = (socket.io.engine as unknown as { transport?: { ws?: { _socket?: { destroy(): void } } } })
    .transport
  transport?.ws?._socket?.destroy()
  agent.kill()
}

function waitFor(socket: Socket, event: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs)
    socket.once(event, () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

type Leave = 'graceful' | 'unsubscribe_then_leave' | 'abrupt' | 'abrupt_before_subscribe' | 'parse_error'

/** How this cycle will end, decided up front (and told to the server in the handshake's query). */
function planLeave(): Leave {
  const r = random()
  if (r < 0.05) return 'abrupt_before_subscribe'
  if (r < 0.08) return 'parse_error'
  if (r < 0.4) return 'abrupt'
  if (r < 0.5) return 'unsubscribe_then_leave'
  return 'graceful'
}

async function cycle(options: Start, positions: Map<number, Position>) {
  const choice = random()
  const transports = choice < 0.4 ? ['websocket'] : choice < 0.7 ? ['polling'] : ['polling', 'websocket']
  const kind = transports.length === 2 ? 'polling_then_websocket' : transports[0]
  const plan = planLeave()
  // Its own agent, so an abrupt leave can destroy exactly this client's HTTP connections.
  const agent = new ClientAgent()
  const socket = io(options.url, {
    transports,
    forceNew: true,
    reconnection: false,
    timeout: 20_000,
    agent,
    // Only for the soak's report: which kind of leave a socket still open at the end came from.
    query: { soak_leave: plan, soak_transport: kind }
  } as unknown as Parameters<typeof io>[1])
  let leaving = false
  let disconnected = false
  const connectedAt = Date.now()
  const where = () =>
    `${kind}, now ${socket.io.engine?.transport?.name ?? 'no transport'}, leave ${plan}, ` +
    `${socket.connected ? 'connected' : 'not connected'}, ${Date.now() - connectedAt} ms after connect`
  /** The client side did not see its own disconnect within 10 s (the server's count is checked apart). */
  const closeTimeout = () => {
    bump(stats.client_side_close_timeouts, `${kind} (now ${socket.io.engine?.transport?.name}) ${plan}`)
  }
  socket.on('disconnect', (reason) => {
    disconnected = true
    if (!leaving) {
      bump(stats.unexpected_disconnects, reason)
      note(`unexpected disconnect: ${reason}`)
    }
  })
  try {
    const connected = await new Promise<true | string>((resolve) => {
      const timer = setTimeout(() => resolve('no connect within 30 s'), 30_000)
      socket.once('connect', () => resolve(true))
      socket.once('connect_error', (error) => resolve(error.message))
      return timer
    })
    if (connected !== true) {
      bump(stats.connect_errors, connected)
      note(`connect_error: ${connected}`)
      await sleep(500)
      return
    }
    stats.connects++
    bump(stats.transports, kind)

    if (plan === 'abrupt_before_subscribe') {
      leaving = true
      stats.leaves.abrupt_before_subscribe++
      destroyAbruptly(socket, agent)
      if (!(await waitFor(socket, 'disconnect', 10_000))) closeTimeout()
      return
    }

    // Subscribe, resuming with since + epoch when this client has been in the project before.
    const projectId = pick(options.projects)
    const position = positions.get(projectId)
    let since: number | undefined
    if (position && random() < 0.5)
      since = random() < 0.2 ? Math.max(0, position.seq - Math.floor(random() * 20)) : position.seq
    let expected = since === undefined ? undefined : since + 1
    socket.onAny((event: string, payload: { seq?: unknown; epoch?: unknown }) => {
      stats.events_received++
      if (event === 'stream_position' || event === 'heartbeat' || typeof payload?.seq !== 'number') return
      stats.seq_events++
      const seq = payload.seq
      if (expected !== undefined && seq > expected) {
        stats.seq_gaps++
        note(`gap: project ${projectId} expected seq ${expected}, got ${seq} (${event})`)
      } else if (expected !== undefined && seq < expected) {
        stats.seq_duplicates++
        note(`duplicate: project ${projectId} expected seq ${expected}, got ${seq} (${event})`)
      }
      if (expected === undefined || seq >= expected) expected = seq + 1
      const known = positions.get(projectId)
      positions.set(projectId, { seq: Math.max(seq, known?.seq ?? 0), epoch: known?.epoch })
    })
    const request =
      since === undefined ? { project_id: projectId } : { project_id: projectId, since, epoch: position?.epoch }
    stats.subscribes++
    if (since !== undefined) stats.subscribes_with_since++
    const answer = await call(socket, options.ackTimeoutMs, 'subscribe', request)
    count(answer, `subscribe ${JSON.stringify(request)} (${where()})`)
    if (!answer.answered) return
    const ack = answer.args[0] as {
      ok?: boolean
      seq?: number
      epoch?: string
      recovered?: boolean
      error?: { code?: number }
    }
    if (!ack?.ok) {
      bump(stats.subscribe_failures, String(ack?.error?.code ?? 'no ack object'))
      note(`subscribe failed: ${JSON.stringify(ack).slice(0, 200)}`)
    } else {
      if (since !== undefined) {
        if (ack.recovered) stats.recovered++
        else stats.not_recovered++
      }
      if (expected === undefined && typeof ack.seq === 'number') expected = ack.seq + 1
      const known = positions.get(projectId)
      const seq = Math.max(
        known && known.epoch === ack.epoch ? known.seq : 0,
        typeof ack.seq === 'number' ? ack.seq : 0
      )
      positions.set(projectId, { seq, epoch: ack.epoch })
    }

    // Sometimes garbage: calls with acks must all be answered, and none with a 5xx.
    if (random() < 0.3) {
      const n = 1 + Math.floor(random() * 3)
      for (let i = 0; i < n && socket.connected; i++) {
        const garbage = pick(GARBAGE)
        const [event, ...args] = garbage.args()
        stats.garbage_emits++
        if (garbage.ack)
          count(await call(socket, options.ackTimeoutMs, event as string, ...args), `${String(event)} (${where()})`)
        else socket.emit(event as string, ...args)
      }
    }
    // Rarely a malformed packet: the server closes the connection ("parse error").
    if (plan === 'parse_error') {
      leaving = true
      stats.leaves.parse_error++
      ;(socket.io.engine as unknown as { write(data: string): void }).write('42["subscribe",{broken')
      if (!(await waitFor(socket, 'disconnect', 10_000))) closeTimeout()
      return
    }

    await sleep(random() * options.stayMs)
    if (disconnected) return
    if (socket.io.engine?.transport?.name === 'websocket' && kind === 'polling_then_websocket') stats.upgraded++

    leaving = true
    if (plan === 'abrupt') {
      stats.leaves.abrupt++
      destroyAbruptly(socket, agent)
      if (!disconnected && !(await waitFor(socket, 'disconnect', 10_000))) closeTimeout()
    } else {
      if (plan === 'unsubscribe_then_leave') {
        stats.leaves.unsubscribe_then_leave++
        count(
          await call(socket, options.ackTimeoutMs, 'unsubscribe', { project_id: projectId }),
          `unsubscribe (${where()})`
        )
      } else stats.leaves.graceful++
      socket.disconnect()
    }
  } finally {
    leaving = true
    socket.removeAllListeners()
    socket.offAny()
    socket.disconnect()
    // An abrupt leave killed the agent already; after a polite one, give the close packet (a POST,
    // with polling) time to go out before the agent's connections are closed.
    setTimeout(() => agent.destroy(), AGENT_LINGER_MS)
    stats.cycles++
  }
  await sleep(random() * 200)
}

async function client(options: Start) {
  const positions = new Map<number, Position>()
  // Spread the first connections over two seconds: 250 handshakes at once is not churn, it is a burst.
  await sleep(random() * 2000)
  while (Date.now() < options.until) {
    try {
      await cycle(options, positions)
    } catch (error) {
      note(`cycle threw: ${String(error)}`)
      bump(stats.connect_errors, 'cycle threw')
      await sleep(500)
    }
  }
}

async function run(options: Start) {
  seed = options.seed
  const progress = setInterval(() => process.send!({ progress: stats }), 1000)
  await Promise.all(Array.from({ length: options.clients }, () => client(options)))
  clearInterval(progress)
  // The last polite leaves' close packets go out before the process (and its connections) ends.
  await sleep(AGENT_LINGER_MS + 500)
  process.send!({ done: stats }, () => process.exit(0))
}

process.on('message', (message: { start?: Start }) => {
  if (message.start)
    run(message.start).catch((error) => {
      process.send!({ error: String(error?.stack ?? error) })
      process.exit(1)
    })
})
// Orphaned (the parent died): stop.
process.on('disconnect', () => process.exit(0))
