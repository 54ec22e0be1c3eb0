// GET /health/live and GET /health/ready, for a load balancer or an orchestrator. Neither needs a
// token, neither is rate limited (plain koa middleware, before authentication and the limits).
//  - live: 200 while the process answers at all.
//  - ready: 200 when this instance can serve - the database answers `select 1`, the migrations ran
//    (setup finished), Redis is connected when REDIS_URL is set, and it is not draining for
//    shutdown; else 503 naming what is not ready. The body names checks only: the reasons (error
//    messages, addresses) go to the log, not to an unauthenticated caller.
import type { Middleware } from '@feathersjs/koa'
import type { Application } from '../declarations'

const DATABASE_TIMEOUT_MS = 2000

export type CheckResult = 'ok' | 'down' | 'pending' | 'draining'

export interface Readiness {
  ready: boolean
  checks: Record<string, CheckResult>
  not_ready: string[]
}

export interface ReadinessSources {
  /** Setup finished: migrations ran, Redis and socket.io are up. */
  setUp(): boolean
  draining(): boolean
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export class ReadinessCheck {
  /** The last reasons logged, so a probe every few seconds logs a problem once, not each time. */
  private lastProblems = '{}'

  constructor(
    private readonly app: Application,
    private readonly sources: ReadinessSources
  ) {}

  async check(): Promise<Readiness> {
    const problems: Record<string, string> = {}
    const checks: Record<string, CheckResult> = {}
    try {
      await withTimeout(this.app.get('dbClient').raw('select 1'), DATABASE_TIMEOUT_MS, 'select 1')
      checks.database = 'ok'
    } catch (error) {
      checks.database = 'down'
      problems.database = String((error as Error)?.message ?? error)
    }
    checks.migrations = this.sources.setUp() ? 'ok' : 'pending'
    if (this.app.get('redisUrl')) {
      checks.redis = this.app.realtime.redisReady ? 'ok' : 'down'
      if (checks.redis !== 'ok') problems.redis = 'the Redis adapter is not connected'
    }
    checks.shutdown = this.sources.draining() ? 'draining' : 'ok'
    const notReady = Object.keys(checks).filter((name) => checks[name] !== 'ok')
    this.logChange(problems)
    return { ready: notReady.length === 0, checks, not_ready: notReady }
  }

  private logChange(problems: Record<string, string>) {
    const summary = JSON.stringify(problems)
    if (summary === this.lastProblems) return
    this.lastProblems = summary
    if (Object.keys(problems).length > 0) this.app.logger.warn({ problems }, 'readiness: not ready')
    else this.app.logger.info('readiness: ready again')
  }
}

export function healthRoutes(readiness: ReadinessCheck): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    if (ctx.path === '/health/live') {
      ctx.body = { status: 'live' }
      return
    }
    if (ctx.path === '/health/ready') {
      const result = await readiness.check()
      ctx.status = result.ready ? 200 : 503
      ctx.set('Cache-Control', 'no-store')
      ctx.body = { status: result.ready ? 'ready' : 'not ready', checks: result.checks, not_ready: result.not_ready }
      return
    }
    return next()
  }
}
