// Abuse limits' settings (issue 7, item 5) in one place: their schema (spread into
// src/configuration.ts, so a bad value stops the server naming its variable, mapped in
// config/custom-environment-variables.json), how environment strings become values, and the plan
// the rest of src/limits reads. Every limit is "so many per window"; 0 turns that one limit off,
// RATE_LIMITS=off turns them all off.
import { StringEnum, Type } from '@feathersjs/typebox'

const count = (description: string) => Type.Integer({ minimum: 0, maximum: 1_000_000, description })

/** Schema properties, spread into configurationSchema. */
export const limitSettingsProperties = {
  // on | off; unset: on with AUTH=required, off with AUTH=off (loopback only: local load tests
  // and benchmarks open thousands of sockets from one address).
  rateLimits: Type.Optional(StringEnum(['on', 'off'])),
  // Whether X-Forwarded-For names the client (a reverse proxy in front): koa's app.proxy.
  trustProxy: Type.Boolean(),
  rateLimitMessagesPerMin: count('POST /messages and POST /sessions/:id/messages per user (each costs a model call)'),
  rateLimitTestRunsPerMin: count('POST /projects/:id/test-runs per user'),
  rateLimitProjectsPerMin: count('POST /projects per user'),
  rateLimitSignupsPerMin: count('POST /users per client IP'),
  rateLimitLoginsPerMin: count('POST /authentication (password logins) per client IP'),
  rateLimitSocketEventsPer10s: count('socket.io events per socket'),
  rateLimitHandshakesPerMin: count('socket.io handshakes per client IP'),
  rateLimitSocketsPerUser: count('open sockets per user'),
  // Tests only (no environment variable): every window lasts this many seconds instead of its
  // documented 60 s or 10 s, so a test sees a limit reset without waiting a minute.
  rateLimitWindowS: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 }))
}

const COUNTS = [
  'rateLimitMessagesPerMin',
  'rateLimitTestRunsPerMin',
  'rateLimitProjectsPerMin',
  'rateLimitSignupsPerMin',
  'rateLimitLoginsPerMin',
  'rateLimitSocketEventsPer10s',
  'rateLimitHandshakesPerMin',
  'rateLimitSocketsPerUser',
  'rateLimitWindowS'
]

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** Environment strings to values, in place (called by normalizeConfiguration). */
export function normalizeLimitSettings(result: Record<string, unknown>): void {
  for (const key of COUNTS) {
    const value = result[key]
    if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) result[key] = Number(value)
  }
  if (typeof result.rateLimits === 'string') result.rateLimits = result.rateLimits.trim().toLowerCase()
  if (result.rateLimits === '' || result.rateLimits === null) delete result.rateLimits
  if (typeof result.trustProxy === 'string') {
    const word = result.trustProxy.trim().toLowerCase()
    if (TRUE.has(word)) result.trustProxy = true
    else if (FALSE.has(word)) result.trustProxy = false
  }
}

/** A count per window; null when that limit is off. */
export interface Rule {
  points: number
  durationS: number
}

export interface LimitPlan {
  enabled: boolean
  trustProxy: boolean
  messages: Rule | null
  testRuns: Rule | null
  projects: Rule | null
  signups: Rule | null
  logins: Rule | null
  socketEvents: Rule | null
  handshakes: Rule | null
  socketsPerUser: number
}

export type RuleName = Exclude<keyof LimitPlan, 'enabled' | 'trustProxy' | 'socketsPerUser'>

export interface LimitSettings {
  auth?: string
  rateLimits?: 'on' | 'off'
  trustProxy: boolean
  rateLimitMessagesPerMin: number
  rateLimitTestRunsPerMin: number
  rateLimitProjectsPerMin: number
  rateLimitSignupsPerMin: number
  rateLimitLoginsPerMin: number
  rateLimitSocketEventsPer10s: number
  rateLimitHandshakesPerMin: number
  rateLimitSocketsPerUser: number
  rateLimitWindowS?: number
}

/** What is limited, and how much, from the validated settings. */
export function limitPlan(settings: LimitSettings): LimitPlan {
  // Unset: on exactly when authentication is required (an absent `auth` counts as off).
  const enabled = (settings.rateLimits ?? (settings.auth === 'required' ? 'on' : 'off')) === 'on'
  const rule = (points: number, durationS: number): Rule | null =>
    enabled && points > 0 ? { points, durationS: settings.rateLimitWindowS ?? durationS } : null
  return {
    enabled,
    trustProxy: settings.trustProxy,
    messages: rule(settings.rateLimitMessagesPerMin, 60),
    testRuns: rule(settings.rateLimitTestRunsPerMin, 60),
    projects: rule(settings.rateLimitProjectsPerMin, 60),
    signups: rule(settings.rateLimitSignupsPerMin, 60),
    logins: rule(settings.rateLimitLoginsPerMin, 60),
    socketEvents: rule(settings.rateLimitSocketEventsPer10s, 10),
    handshakes: rule(settings.rateLimitHandshakesPerMin, 60),
    socketsPerUser: enabled ? settings.rateLimitSocketsPerUser : 0
  }
}
