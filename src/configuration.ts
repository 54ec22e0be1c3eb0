// Settings: read from config/*.json and the environment (config/custom-environment-variables.json),
// normalised (environment values arrive as strings) and validated once, at start-up, with a message
// that names the variable and the bad value.
import fs from 'fs'
import path from 'path'
import { StringEnum, Type } from '@feathersjs/typebox'
import type { Static } from '@feathersjs/typebox'
import { dataValidator } from './validators'
import { authProblems } from './auth/settings'
import { limitSettingsProperties, normalizeLimitSettings } from './limits/settings'
import { normalizeObservabilitySettings, observabilitySettingsProperties } from './observability/settings'
import {
  adminUiPatternMessages,
  adminUiProblems,
  adminUiSettingsProperties,
  normalizeAdminUiSettings
} from './admin-ui/settings'
import { normalizeWorkersSettings, workersProblems, workersSettingsProperties } from './workers/settings'

export const configurationSchema = Type.Object(
  {
    host: Type.String({ minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
    origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    database: Type.String({ pattern: '^(sqlite:.+|postgres(ql)?://.+)$' }),
    heartbeatIntervalMs: Type.Integer({ minimum: 10, maximum: 3_600_000 }),
    // Slow consumers (src/realtime/slow-consumers.ts): what the server may hold for one socket that
    // does not read, in bytes and in age, before it cuts the connection (0 turns that bound off).
    slowConsumerMaxBytes: Type.Integer({ minimum: 0 }),
    slowConsumerMaxMs: Type.Integer({ minimum: 0 }),
    // The event log behind resume: how long events are kept, how many per project at most,
    // how often the pruning runs.
    eventRetentionMs: Type.Integer({ minimum: 1000 }),
    eventLogMaxPerProject: Type.Integer({ minimum: 1 }),
    eventLogPruneIntervalMs: Type.Integer({ minimum: 100 }),
    // How often each project room hears where its stream stands (stream_position).
    positionIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
    // Presence (src/realtime/presence*.ts): how long a user whose last socket lost its connection stays.
    presenceGraceMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    // How often a quiet server gives memory back (src/observability/memory-trim.ts); 0: never.
    memoryTrimMs: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    paginate: Type.Object({
      default: Type.Integer({ minimum: 1 }),
      max: Type.Integer({ minimum: 1 })
    }),
    // Vibecode responses: the model provider and the job queue (src/vibecode).
    vibecodeProvider: Type.Optional(
      Type.Union([Type.Literal('anthropic'), Type.Literal('openai'), Type.Literal('simulated')])
    ),
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
    // Where test commands run (src/testruns/sandbox.ts): unset means bwrap when it is installed.
    testSandbox: Type.Optional(StringEnum(['bwrap', 'none'])),
    redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://.+' })),
    // Deployments sharing one Redis keep apart by prefix (the adapter's channel names start with it).
    redisPrefix: Type.String({ minLength: 1, maxLength: 100 }),
    instanceId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    // Access control (src/auth): the mode, the JWT secret, sign-up, token lifetime and the main
    // backend's public key. Cross-field rules (protected mode, AUTH_SECRET with AUTH=required) are
    // checked in authProblems below.
    auth: StringEnum(['off', 'required']),
    authSecret: Type.Optional(Type.String({ minLength: 32 })),
    authSignup: StringEnum(['open', 'closed']),
    authTokenTtlS: Type.Integer({ minimum: 1, maximum: 31_536_000 }),
    authJwtPublicKey: Type.Optional(Type.String({ minLength: 1 })),
    // Abuse limits (src/limits): RATE_LIMITS, TRUST_PROXY and one count per limit.
    ...limitSettingsProperties,
    // The socket.io Admin UI (src/admin-ui): off unless ADMIN_UI_USERNAME + ADMIN_UI_PASSWORD_HASH.
    ...adminUiSettingsProperties,
    // Logs, /metrics and shutdown (src/observability): LOG_LEVEL, METRICS_TOKEN, SHUTDOWN_GRACE_MS.
    ...observabilitySettingsProperties,
    // Server processes on this machine (src/workers): WORKERS=<n>|auto.
    ...workersSettingsProperties
  },
  { additionalProperties: true }
)

export type ApplicationConfiguration = Static<typeof configurationSchema>

/** Where node-config reads its files (config/ beside src/ and lib/, unless NODE_CONFIG_DIR says otherwise). */
const configDir = () => process.env.NODE_CONFIG_DIR ?? path.join(__dirname, '..', 'config')

let envNames: Record<string, string> | undefined

/**
 * The environment variable behind each setting, so an error names what the user actually set:
 * read from config/custom-environment-variables.json, the file node-config itself maps them with.
 */
function envNameOf(key: string): string | undefined {
  if (!envNames) {
    try {
      envNames = JSON.parse(fs.readFileSync(path.join(configDir(), 'custom-environment-variables.json'), 'utf8'))
    } catch {
      envNames = {}
    }
  }
  const name = envNames?.[key]
  return typeof name === 'string' ? name : undefined
}

// Plain words for the settings whose schema is a pattern.
const PATTERN_MESSAGES: Record<string, string> = {
  database: 'must be sqlite:<path>, sqlite::memory: or postgres://user@host:port/database',
  redisUrl: 'must be redis://host:port (or rediss://)',
  ...adminUiPatternMessages
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
  process.env.NODE_CONFIG_DIR ??= configDir()
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded late, after NODE_CONFIG_DIR is set
  const config = require('config')
  return JSON.parse(JSON.stringify(config))
}

/** Settings that are whole numbers (an environment variable arrives as a string). */
const INTEGER_SETTINGS = [
  'port',
  'heartbeatIntervalMs',
  'presenceGraceMs',
  'memoryTrimMs',
  'slowConsumerMaxBytes',
  'slowConsumerMaxMs',
  'eventRetentionMs',
  'eventLogMaxPerProject',
  'eventLogPruneIntervalMs',
  'positionIntervalMs',
  'vibecodeMaxTokens',
  'vibecodeTimeoutMs',
  'vibecodeMaxRetries',
  'vibecodeConcurrency',
  'vibecodeQueueMax',
  'simulatedTokensPerSecond',
  'testRunTimeoutMs',
  'testRunOutputMaxBytes',
  'testRunConcurrency',
  'authTokenTtlS'
]

const integerString = /^\s*-?\d+\s*$/

/** Environment values are strings: turn the ones that stand for numbers or lists into them. */
export function normalizeConfiguration(raw: Record<string, unknown>): Record<string, unknown> {
  const result = { ...raw }
  for (const key of INTEGER_SETTINGS) {
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
  // TEST_SANDBOX= (empty) is unset: bwrap when installed.
  if (result.testSandbox === '' || result.testSandbox === null) delete result.testSandbox
  for (const key of [
    'redisUrl',
    'instanceId',
    'vibecodeProvider',
    'anthropicApiKey',
    'anthropicBaseUrl',
    'openaiApiKey',
    'openaiBaseUrl',
    'authSecret',
    'authJwtPublicKey'
  ]) {
    if (result[key] === '' || result[key] === null) delete result[key]
  }
  for (const key of ['auth', 'authSignup']) {
    if (typeof result[key] === 'string') result[key] = (result[key] as string).trim().toLowerCase()
  }
  // A PEM in a one-line .env file arrives with literal \n sequences.
  if (typeof result.authJwtPublicKey === 'string')
    result.authJwtPublicKey = result.authJwtPublicKey.replace(/\\n/g, '\n')
  normalizeLimitSettings(result)
  normalizeAdminUiSettings(result)
  normalizeObservabilitySettings(result)
  normalizeWorkersSettings(result)
  return result
}

/** Validates settings; throws a ConfigurationError listing every bad value. */
export function validateConfiguration(settings: Record<string, unknown>): ApplicationConfiguration {
  const problems = validateSchema(settings)
    ? []
    : (validateSchema.errors ?? []).map((problem) => {
        const key = problem.instancePath.split('/')[1] || String(problem.params?.missingProperty ?? '?')
        const env = envNameOf(key) ? ` (${envNameOf(key)})` : ''
        // Secrets are never echoed (a secret's length is).
        const secret = /ApiKey$|Secret$|PasswordHash$|Token$/.test(key)
        const value = key in settings && !secret ? `, got ${JSON.stringify(settings[key])}` : ''
        const length = secret && problem.keyword === 'minLength' ? ` (got ${String(settings[key]).length})` : ''
        const allowed =
          problem.keyword === 'enum' && Array.isArray(problem.params?.allowedValues)
            ? problem.params.allowedValues
            : undefined
        const message =
          (problem.keyword === 'pattern' && PATTERN_MESSAGES[key]) ||
          (allowed && `must be one of ${allowed.join(', ')}`) ||
          problem.message
        return `${problem.instancePath.slice(1).replace(/\//g, '.') || key}${env} ${message}${value}${length}`
      })
  problems.push(...authProblems(settings), ...adminUiProblems(settings), ...workersProblems(settings))
  if (problems.length === 0) return settings as ApplicationConfiguration
  throw new ConfigurationError(problems)
}

// The access rules between settings live with the rest of access (src/auth/settings.ts).
export { authProblems, isLoopbackHost, platformKeyAlgorithm } from './auth/settings'

export type DatabaseTarget = { client: 'better-sqlite3'; filename: string } | { client: 'pg'; connectionString: string }

/** `sqlite:<path>` (relative to the working directory, or `:memory:`) or `postgres://…`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    return { client: 'better-sqlite3', filename }
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { client: 'pg', connectionString: url }
  throw new ConfigurationError([
    `database (DATABASE_URL) must be sqlite:<path> or postgres://…, got ${JSON.stringify(url)}`
  ])
}
