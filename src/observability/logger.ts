// Logs: pino JSON lines on stdout, one object per line, at LOG_LEVEL. On a terminal in development
// (stdout a TTY, NODE_ENV not production, pino-pretty installed - a dev dependency) the same lines
// are printed readably instead. Tests inject their own destination to read what was logged.
//
// What is never logged at info: tokens, passwords, API keys, prompt text. Nothing here logs request
// headers or bodies; the redaction below is the second line of defence for a field logged by mistake.
import pino from 'pino'
import type { DestinationStream, Logger } from 'pino'
import { stdoutDestination } from './log-destination'
import type { LogLevel } from './settings'

export type { Logger }

export interface LoggerOptions {
  level: LogLevel
  /** Where the lines go (tests: a stream they read); default stdout. */
  destination?: DestinationStream
}

/** Field names whose values are replaced wherever they appear (one level deep, and in `err`). */
const REDACTED = ['authorization', 'token', 'accessToken', 'password', 'apiKey', 'api_key', 'prompt', 'secret']

const redact = {
  paths: [...REDACTED, ...REDACTED.map((name) => `*.${name}`), 'headers', '*.headers'],
  censor: '[redacted]'
}

/** pino-pretty, when this is a developer's terminal and it is installed; else undefined. */
function prettyStream(): DestinationStream | undefined {
  if (!process.stdout.isTTY || process.env.NODE_ENV === 'production') return undefined
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional: a dev dependency, absent in production installs
    const pretty = require('pino-pretty') as (options: object) => DestinationStream
    return pretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' })
  } catch {
    return undefined
  }
}

export function createLogger(options: LoggerOptions): Logger {
  // Synchronous writes, up to 20 ms of lines at once: the last lines before process.exit() (a
  // failed start, a shutdown) are not lost (log-destination.ts).
  const destination = options.destination ?? prettyStream() ?? stdoutDestination()
  return pino(
    {
      name: 'vibecode-realtime',
      level: options.level,
      redact,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) }
    },
    destination
  )
}

/**
 * A logger before the settings are known (a failed start): LOG_LEVEL when it names a level, else info.
 * A configuration error itself is printed as plain text (src/index.ts): it is for a person.
 */
export function bootLogger(): Logger {
  const level = (process.env.LOG_LEVEL ?? '').trim().toLowerCase()
  return createLogger({ level: level in pino.levels.values || level === 'silent' ? (level as LogLevel) : 'info' })
}
