// Open sockets per user: a count that goes up at the handshake and down at the disconnect, so it
// cannot be a rate limiter's window. Alone, a Map in this process. With REDIS_URL it is
// cluster-wide: one sorted set per user, `<prefix>:limits:sockets:<user>`, holding the user's
// sockets on every instance as leases (member = socket id, score = when the lease ends). Each
// instance renews its own sockets' leases every LEASE_MS / 3 and removes a socket at its
// disconnect; an instance that dies stops renewing, so its sockets stop counting within LEASE_MS
// instead of blocking the user for good (what a plain INCR/DECR counter would do). The check and
// the add are one Lua script: two handshakes racing on two instances cannot both take the last
// place. If Redis fails, the check lets the socket in (and says so once in the log): the
// per-address handshake limit still holds.
import type { RedisClient } from './store'

/** `open`: the user's sockets before this one; `held`: this socket counts now (release it later). */
export interface Reservation {
  allowed: boolean
  held: boolean
  open: number
}

export interface OpenSockets {
  /** Counts the socket in if the user has fewer than `limit` open. */
  reserve(user: string, socketId: string, limit: number): Promise<Reservation>
  release(user: string, socketId: string): Promise<void>
  start(): void
  stop(): void
}

export class LocalOpenSockets implements OpenSockets {
  private readonly counts = new Map<string, Set<string>>()

  async reserve(user: string, socketId: string, limit: number): Promise<Reservation> {
    const sockets = this.counts.get(user) ?? new Set<string>()
    const open = sockets.size
    if (open >= limit) return { allowed: false, held: false, open }
    sockets.add(socketId)
    this.counts.set(user, sockets)
    return { allowed: true, held: true, open }
  }

  async release(user: string, socketId: string) {
    const sockets = this.counts.get(user)
    if (!sockets) return
    sockets.delete(socketId)
    if (sockets.size === 0) this.counts.delete(user)
  }

  start() {}
  stop() {}
}

export const LEASE_MS = 60_000

// KEYS[1] the user's set; ARGV: now, lease end, socket id, limit, key TTL (ms).
// Returns the count before: positive (or 0) when added, -(count) - 1 when refused.
const RESERVE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local open = redis.call('ZCARD', KEYS[1])
if open >= tonumber(ARGV[4]) then return -open - 1 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return open
`

export class RedisOpenSockets implements OpenSockets {
  /** This instance's sockets (socket id → its set's key), whose leases it renews. */
  private readonly mine = new Map<string, string>()
  private timer?: NodeJS.Timeout
  private failing = false

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly log: (message: string) => void,
    private readonly leaseMs = LEASE_MS
  ) {}

  private keyOf(user: string) {
    return `${this.prefix}:sockets:${user}`
  }

  async reserve(user: string, socketId: string, limit: number): Promise<Reservation> {
    const key = this.keyOf(user)
    const now = Date.now()
    let result: number
    try {
      result = Number(
        await this.redis.eval(RESERVE, {
          keys: [key],
          arguments: [String(now), String(now + this.leaseMs), socketId, String(limit), String(this.leaseMs * 2)]
        })
      )
      this.failing = false
    } catch (error) {
      if (!this.failing)
        this.log(`redis: open sockets not counted (${String(error)}); sockets are let in until it is back`)
      this.failing = true
      return { allowed: true, held: false, open: 0 }
    }
    if (result < 0) return { allowed: false, held: false, open: -result - 1 }
    this.mine.set(socketId, key)
    return { allowed: true, held: true, open: result }
  }

  async release(user: string, socketId: string) {
    this.mine.delete(socketId)
    await this.redis.zRem(this.keyOf(user), socketId).catch(() => undefined)
  }

  /** Renews this instance's leases (only those still in their set: XX never brings one back). */
  async renew() {
    if (this.mine.size === 0) return
    const until = Date.now() + this.leaseMs
    const batch = this.redis.multi()
    for (const [socketId, key] of this.mine) {
      batch.zAdd(key, { score: until, value: socketId }, { XX: true })
      batch.pExpire(key, this.leaseMs * 2)
    }
    await batch.execAsPipeline().catch(() => undefined)
  }

  start() {
    if (this.timer) return
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.leaseMs / 3)))
    this.timer.unref()
  }

  stop() {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
