// Settings: read from config/*.json and the environment (config/custom-environment-variables.json),
// normalised (environment values arrive as strings) and validated once, at start-up, with a message
// that names the variable and the bad value.
import path from 'path'
import { Type } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import { dataValidator } from './validators'

export const configurationSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    database: Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$' }),
    heartbeatIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
    // The event log behind resume: how long events are kept, how many per project at most,
    // how often the pruning runs.
    eventRetentionMs: Type.Integer({ minimum: 1000 }),
    eventLogMaxPerProject: Type.Integer({ minimum: 1 }),
    eventLogPruneIntervalMs: Type.Integer({ minimum: 100 }),
    paginate: Type.Object({
      default: Type.Integer({ minimum: 1 }),
      max: Type.Integer({ minimum: 1 })
    }),
    // Vibecode responses: the model provider and the job queue (src/vibecode).
    vibecodeProvider: Type.Optional(Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('simulated')])),
    vibecodeMaxTokens: Type.Integer({ minimum: 1 }),
    vibecodeTimeoutMs: Type.Integer({ minimum: 100 }),
    vibecodeMaxRetries: Type.Integer({ minimum: 0, maximum: 10 }),
    vibecodeConcurrency: Type.Integer({ minimum: 1, maximum: 100 }),
    vibecodeQueueMax: Type.Integer({ minimum: 1 }),
    simulatedTokensPerSecond: Type.Integer({ minimum: 1 }),
    anthropicApiKey: Type.Optional(Type.String({ minLength: 1 })),
    anthropicBaseUrl: Type.Optional(Type.String({ pattern: '^https?://.+' })),
    anthropicModel: Type.String({ minLength: 1 }),
    openaiApiKey: Type.Optional(Type.String({ minLength: 1 })),
    openaiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://.+' })),
    openaiModel: Type.String({ minLength: 1 }),
    // Test runs (src/testruns): workspaces, allowed executables, limits.
    testWorkspaceRoot: Type.String({ minLength: 1 }),
    testCommandAllowlist: Type.Array(Type.String({ minLength: 1, pattern: '^[^/\\s]+$' })),
    testRunTimeoutMs: Type.Integer({ minimum: 100 }),
    testRunOutputMaxBytes: Type.Integer({ minimum: 1024 }),
    testRunConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://.+' })),
    // Deployments sharing one Redis keep apart by prefix (the adapter's channel names start with it).
    redisPrefix: Type.String({ minLength: 1, maxLength: 100 }),
    instanceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 }))
  },
  { additionalProperties: true }
)

export type ApplicationConfiguration = Static<typeof configurationSchema>

// The environment variable behind each setting, so an error names what the user actually set.
const ENV_NAMES: Record<string, string> = {
  host: 'HOST',
  port: 'PORT',
  origins: 'CORS_ORIGINS',
  database: 'DATABASE_URL',
  heartbeatIntervalMs: 'HEARTBEAT_INTERVAL_MS',
  eventRetentionMs: 'EVENT_RETENTION_MS',
  eventLogMaxPerProject: 'EVENT_LOG_MAX_PER_PROJECT',
  eventLogPruneIntervalMs: 'EVENT_LOG_PRUNE_INTERVAL_MS',
  vibecodeProvider: 'VIBECODE_PROVIDER',
  vibecodeMaxTokens: 'VIBECODE_MAX_TOKENS',
  vibecodeTimeoutMs: 'VIBECODE_TIMEOUT_MS',
  vibecodeMaxRetries: 'VIBECODE_MAX_RETRIES',
  vibecodeConcurrency: 'VIBECODE_CONCURRENCY',
  vibecodeQueueMax: 'VIBECODE_QUEUE_MAX',
  simulatedTokensPerSecond: 'SIMULATED_TOKENS_PER_SECOND',
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
  anthropicModel: 'ANTHROPIC_MODEL',
  openaiBaseUrl: 'OPENAI_BASE_URL',
  openaiModel: 'OPENAI_MODEL',
  testWorkspaceRoot: 'TEST_WORKSPACE_ROOT',
  testCommandAllowlist: 'TEST_COMMAND_ALLOWLIST',
  testRunTimeoutMs: 'TEST_RUN_TIMEOUT_MS',
  testRunOutputMaxBytes: 'TEST_RUN_OUTPUT_MAX_BYTES',
  testRunConcurrency: 'TEST_RUN_CONCURRENCY',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'REDIS_PREFIX',
  instanceId: 'INSTANCE_ID'
}

// Plain words for the settings whose schema is a pattern.
const PATTERN_MESSAGES: Record<string, string> = {
  database: 'must be sqlite:<path>, sqlite::memory: or postgres://user@host:port/database',
  redisUrl: 'must be redis://host:port (or rediss://)'
}

export class ConfigurationError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigurationError'
  }
}

const validateSchema = dataValidator.compile(configurationSchema)

/** Reads config/ (for NODE_ENV) plus the environment. */
export function loadConfiguration(): Record<string, unknown> {
  // node-config resolves its folder from the working directory; pin it to ours so the server
  // starts the same from any directory.
  process.env.NODE_CONFIG_DIR ??= path.join(__dirname, '..', 'config')
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const config = require('config')
  return JSON.parse(JSON.stringify(config))
}

const integerString = /^\s*-?\d+\s*$/

/** Environment values are strings: turn the ones that stand for numbers or lists into them. */
export function normalizeConfiguration(raw: Record<string, unknown>): Record<string, unknown> {
  const result = { ...raw }
  const integers = [
    'port',
    'heartbeatIntervalMs',
    'eventRetentionMs',
    'eventLogMaxPerProject',
    'eventLogPruneIntervalMs',
    'vibecodeMaxTokens',
    'vibecodeTimeoutMs',
    'vibecodeMaxRetries',
    'vibecodeConcurrency',
    'vibecodeQueueMax',
    'simulatedTokensPerSecond',
    'testRunTimeoutMs',
    'testRunOutputMaxBytes',
    'testRunConcurrency'
  ]
  for (const key of integers) {
    const value = result[key]
    if (typeof value === 'string' && integerString.test(value)) result[key] = Number(value)
  }
  for (const key of ['origins', 'testCommandAllowlist']) {
    const value = result[key]
    if (typeof value === 'string') {
      result[key] = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    }
  }
  for (const key of ['redisUrl', 'instanceId', 'vibecodeProvider', 'anthropicApiKey', 'anthropicBaseUrl', 'openaiApiKey', 'openaiBaseUrl']) {
    if (result[key] === '' || result[key] === null) delete result[key]
  }
  return result
}

/** Validates settings; throws a ConfigurationError listing every bad value. */
export function validateConfiguration(settings: Record<string, unknown>): ApplicationConfiguration {
  if (validateSchema(settings)) return settings as ApplicationConfiguration
  throw new ConfigurationError(
    (validateSchema.errors ?? []).map((problem) => {
      const key = problem.instancePath.split('/')[1] || String(problem.params?.missingProperty ?? '?')
      const env = ENV_NAMES[key] ? ` (${ENV_NAMES[key]})` : ''
      // Secrets are never echoed.
      const value = key in settings && !/ApiKey$/.test(key) ? `, got ${JSON.stringify(settings[key])}` : ''
      const message = (problem.keyword === 'pattern' && PATTERN_MESSAGES[key]) || problem.message
      return `${problem.instancePath.slice(1).replace(/\//g, '.') || key}${env} ${message}${value}`
    })
  )
}

export type DatabaseTarget =
  | { client: 'better-sqlite3'; filename: string }
  | { client: 'pg'; connectionString: string }

/** `sqlite:<path>` (relative to the working directory, or `:memory:`) or `postgres://…`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    return { client: 'better-sqlite3', filename }
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { client: 'pg', connectionString: url }
  throw new ConfigurationError([`database (DATABASE_URL) must be sqlite:<path> or postgres://…, got ${JSON.stringify(url)}`])
}
