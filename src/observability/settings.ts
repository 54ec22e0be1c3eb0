// The operations settings (LOG_LEVEL, METRICS_TOKEN, SHUTDOWN_GRACE_MS), kept beside the code that
// reads them and spread into the schema of src/configuration.ts, as the abuse limits do.
import { StringEnum, Type } from '@feathersjs/typebox'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export const observabilitySettingsProperties = {
  // pino's level: `silent` turns logging off (config/test.json does, for quiet test output).
  logLevel: StringEnum([...LOG_LEVELS]),
  // A bearer token for GET /metrics; unset: /metrics answers loopback clients only with AUTH=required.
  metricsToken: Type.Optional(Type.String({ minLength: 16 })),
  // On SIGTERM, how long running model answers and test runs may take to finish.
  shutdownGraceMs: Type.Integer({ minimum: 0, maximum: 600_000 })
}

/** Environment values arrive as strings: `LOG_LEVEL=Info`, `SHUTDOWN_GRACE_MS=5000`, `METRICS_TOKEN=`. */
export function normalizeObservabilitySettings(result: Record<string, unknown>) {
  if (typeof result.logLevel === 'string') result.logLevel = result.logLevel.trim().toLowerCase()
  if (typeof result.shutdownGraceMs === 'string' && /^\s*\d+\s*$/.test(result.shutdownGraceMs)) {
    result.shutdownGraceMs = Number(result.shutdownGraceMs)
  }
  if (result.metricsToken === '' || result.metricsToken === null) delete result.metricsToken
}
