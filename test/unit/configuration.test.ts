import assert from 'assert'
import {
  ConfigurationError,
  normalizeConfiguration,
  parseDatabaseUrl,
  validateConfiguration
} from '../../src/configuration'

const valid = {
  host: '127.0.0.1',
  port: 8000,
  origins: ['*'],
  database: 'sqlite:data/x.sqlite',
  heartbeatIntervalMs: 30000,
  paginate: { default: 50, max: 500 },
  redisPrefix: 'vibecode',
  eventRetentionMs: 86400000,
  eventLogMaxPerProject: 10000,
  eventLogPruneIntervalMs: 60000,
  vibecodeMaxTokens: 4096,
  vibecodeTimeoutMs: 120000,
  vibecodeMaxRetries: 2,
  vibecodeConcurrency: 4,
  vibecodeQueueMax: 1000,
  simulatedTokensPerSecond: 60,
  anthropicModel: 'claude-sonnet-5-5',
  openaiModel: 'gpt-4o-mini',
  testWorkspaceRoot: 'data/workspaces',
  testCommandAllowlist: ['node'],
  testRunTimeoutMs: 600000,
  testRunOutputMaxBytes: 1048576,
  testRunConcurrency: 2
}

describe('unit: configuration', () => {
  it('turns environment strings into numbers and lists', () => {
    const normalized = normalizeConfiguration({ port: '9000', heartbeatIntervalMs: '250', origins: 'http://a, http://b', redisUrl: '' })
    assert.deepStrictEqual(normalized, { port: 9000, heartbeatIntervalMs: 250, origins: ['http://a', 'http://b'] })
  })

  it('accepts valid settings and lists every bad one', () => {
    assert.strictEqual(validateConfiguration(valid), valid)
    assert.throws(
      () => validateConfiguration({ ...valid, port: 'x', heartbeatIntervalMs: 1 }),
      (error: any) =>
        error instanceof ConfigurationError &&
        error.problems.length === 2 &&
        /port \(PORT\) must be integer, got "x"/.test(error.message) &&
        /HEARTBEAT_INTERVAL_MS/.test(error.message)
    )
  })

  it('parses database URLs', () => {
    assert.deepStrictEqual(parseDatabaseUrl('sqlite:data/v.sqlite'), { client: 'better-sqlite3', filename: 'data/v.sqlite' })
    assert.deepStrictEqual(parseDatabaseUrl('sqlite::memory:'), { client: 'better-sqlite3', filename: ':memory:' })
    assert.deepStrictEqual(parseDatabaseUrl('sqlite:///tmp/v.sqlite'), { client: 'better-sqlite3', filename: '/tmp/v.sqlite' })
    assert.strictEqual(parseDatabaseUrl('postgres://u@h/db').client, 'pg')
    assert.throws(() => parseDatabaseUrl('mysql://x'), ConfigurationError)
  })
})
