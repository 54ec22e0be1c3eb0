// Where the counts live. Alone: in this process (rate-limiter-flexible's RateLimiterMemory). With
// REDIS_URL: in Redis (RateLimiterRedis on a node-redis v4 client, `useRedisPackage`), so a user
// or an address has one budget across every instance, not one per instance. If Redis is down the
// limiter falls back to an in-memory one (rate-limiter-flexible's insuranceLimiter): limits keep
// holding per instance instead of failing requests or letting everything through. The client is
// made with `disableOfflineQueue`, so a call during an outage fails at once (and takes the
// fallback) instead of waiting for Redis to come back.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
// The Redis client is loaded with REDIS_URL only: alone it is ~30 MB of RSS (issue 10).
import type { createClient } from 'redis'
import type { Rule } from './settings'

export type RedisClient = ReturnType<typeof createClient>

/** One limit (a count per window), keyed by user or address. */
export class RuleLimiter {
  constructor(
    readonly rule: Rule,
    private readonly limiter: RateLimiterAbstract
  ) {}

  /** Takes one point: null when allowed, otherwise the ms until the window resets. */
  async take(key: string): Promise<number | null> {
    try {
      await this.limiter.consume(key)
      return null
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext
      throw rejection
    }
  }
}

export interface LimitStoreOptions {
  redisUrl?: string
  /** Key prefix in Redis (REDIS_PREFIX), so deployments sharing a Redis keep their counts apart. */
  prefix: string
  log: (message: string) => void
}

export class LimitStore {
  /** The Redis connection of the limits (their own: the adapter's pub/sub clients are busy). */
  readonly redis?: RedisClient
  private healthy = true

  constructor(private readonly options: LimitStoreOptions) {
    if (!options.redisUrl) return
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- with REDIS_URL only (see the imports)
    const redis = (require('redis') as typeof import('redis')).createClient({
      url: options.redisUrl,
      disableOfflineQueue: true
    })
    // One line per outage, not one per reconnection attempt.
    redis.on('error', (error) => {
      if (this.healthy) options.log(`redis: ${String(error)}; limits are counted per instance until it is back`)
      this.healthy = false
    })
    redis.on('ready', () => (this.healthy = true))
    this.redis = redis
  }

  limiter(name: string, rule: Rule): RuleLimiter {
    const base = { points: rule.points, duration: rule.durationS, keyPrefix: this.key(name) }
    if (!this.redis) return new RuleLimiter(rule, new RateLimiterMemory(base))
    return new RuleLimiter(
      rule,
      new RateLimiterRedis({
        ...base,
        storeClient: this.redis,
        useRedisPackage: true,
        insuranceLimiter: new RateLimiterMemory(base)
      })
    )
  }

  /** `<REDIS_PREFIX>:limits:<name>` */
  key(name: string) {
    return `${this.options.prefix}:limits:${name}`
  }

  async connect() {
    if (this.redis && !this.redis.isOpen) await this.redis.connect()
  }

  async close() {
    if (this.redis?.isOpen) await this.redis.quit().catch(() => undefined)
  }
}
