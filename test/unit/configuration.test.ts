import assert from 'assert'
import {
  ConfigurationError,
  isLoopbackHost,
  loadConfiguration,
  normalizeConfiguration,
  parseDatabaseUrl,
  validateConfiguration
} from '../../src/configuration'

// The configured settings (config/ for NODE_ENV=test) with these values over them: settings added
// later are valid by default.
const valid = {
  ...normalizeConfiguration(loadConfiguration()),
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
  testRunConcurrency: 2,
  auth: 'off',
  authSignup: 'open',
  authTokenTtlS: 3600
}

describe('unit: configuration', () => {
  it('turns environment strings into numbers and lists', () => {
    const normalized = normalizeConfiguration({
      port: '9000',
      heartbeatIntervalMs: '250',
      origins: 'http://a, http://b',
      redisUrl: ''
    })
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

  it('normalises the auth settings: case, empty values, escaped newlines in a PEM', () => {
    assert.deepStrictEqual(
      normalizeConfiguration({
        auth: ' Required ',
        authSignup: 'CLOSED',
        authSecret: '',
        authTokenTtlS: '2',
        authJwtPublicKey: 'a\\nb'
      }),
      { auth: 'required', authSignup: 'closed', authTokenTtlS: 2, authJwtPublicKey: 'a\nb' }
    )
  })

  it('AUTH=required needs AUTH_SECRET of at least 32 characters, never echoed', () => {
    assert.throws(
      () => validateConfiguration({ ...valid, auth: 'required' }),
      (error: any) =>
        error instanceof ConfigurationError &&
        /authSecret \(AUTH_SECRET\) must be set when AUTH=required/.test(error.message)
    )
    assert.throws(
      () => validateConfiguration({ ...valid, auth: 'required', authSecret: 'x'.repeat(31) }),
      (error: any) =>
        /AUTH_SECRET\) must NOT have fewer than 32 characters \(got 31\)/.test(error.message) &&
        !error.message.includes('x'.repeat(31))
    )
    const ok = { ...valid, auth: 'required', authSecret: 'x'.repeat(32), host: '0.0.0.0' }
    assert.strictEqual(validateConfiguration(ok), ok)
  })

  it('protected mode: AUTH=off refuses a non-loopback HOST, naming HOST, AUTH and what to set', () => {
    assert.throws(
      () => validateConfiguration({ ...valid, host: '0.0.0.0' }),
      (error: any) =>
        error instanceof ConfigurationError &&
        /protected mode: HOST=0\.0\.0\.0 is not a loopback address/.test(error.message) &&
        /AUTH=off/.test(error.message) &&
        /set AUTH=required \(with AUTH_SECRET/.test(error.message) &&
        /set HOST=127\.0\.0\.1/.test(error.message)
    )
    // Listed with the other problems, not instead of them.
    assert.throws(
      () => validateConfiguration({ ...valid, host: '0.0.0.0', port: 'x' }),
      (error: any) => error.problems.length === 2
    )
  })

  it('knows loopback hosts', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      'app.localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1'
    ]) {
      assert.strictEqual(isLoopbackHost(host), true, host)
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', 'localhost.example.com', '::2']) {
      assert.strictEqual(isLoopbackHost(host), false, host)
    }
  })

  it('parses database URLs', () => {
    assert.deepStrictEqual(parseDatabaseUrl('sqlite:data/v.sqlite'), {
      client: 'better-sqlite3',
      filename: 'data/v.sqlite'
    })
    assert.deepStrictEqual(parseDatabaseUrl('sqlite::memory:'), { client: 'better-sqlite3', filename: ':memory:' })
    assert.deepStrictEqual(parseDatabaseUrl('sqlite:///tmp/v.sqlite'), {
      client: 'better-sqlite3',
      filename: '/tmp/v.sqlite'
    })
    assert.strictEqual(parseDatabaseUrl('postgres://u@h/db').client, 'pg')
    assert.throws(() => parseDatabaseUrl('mysql://x'), ConfigurationError)
  })
})
