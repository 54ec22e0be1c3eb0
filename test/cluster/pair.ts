// The cluster suites' common ground: their precondition (Redis, and PostgreSQL: two instances
// writing one SQLite file from one process block each other) and two instances sharing the
// database and a Redis prefix of their own.
import type { Configuration } from '../../src/declarations'
import { startTestServer } from '../helpers'
import type { TestServer } from '../helpers'

export const redisUrl = process.env.REDIS_URL
export const databaseUrl = process.env.DATABASE_URL

/** Fails the suite with what to set when the cluster's services are not configured. */
export function requireClusterServices() {
  if (!redisUrl) throw new Error('REDIS_URL is not set: the cluster suite needs a Redis server (see .ci/run)')
  if (!databaseUrl?.startsWith('postgres'))
    throw new Error('DATABASE_URL must be a PostgreSQL URL for the cluster suite')
}

/** Instances `a` and `b` on one database and one fresh Redis prefix (`label` names it). */
export async function startPair(label: string, settings: Partial<Configuration> = {}) {
  const shared: Partial<Configuration> = {
    database: databaseUrl,
    redisUrl,
    redisPrefix: `vibecode-test-${label}-${process.pid}-${Date.now()}`,
    ...settings
  }
  const a: TestServer = await startTestServer({ ...shared, instanceId: 'a' })
  const b: TestServer = await startTestServer({ ...shared, instanceId: 'b' })
  return { a, b }
}
