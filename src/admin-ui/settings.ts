// The socket.io Admin UI's settings (issue 9, item 4): their schema (spread into
// src/configuration.ts, so a bad value stops the server naming its variable), how environment
// strings become values, and the one rule between them. Off unless both ADMIN_UI_USERNAME and
// ADMIN_UI_PASSWORD_HASH are set.
import { StringEnum, Type } from '@feathersjs/typebox'

// bcrypt's modular crypt format: $2a$/$2b$/$2y$, two-digit cost, 22 characters of salt and 31 of hash.
export const BCRYPT_HASH = '^\\$2[aby]\\$\\d{2}\\$[./A-Za-z0-9]{53}$'

/** Schema properties, spread into configurationSchema. */
export const adminUiSettingsProperties = {
  adminUiUsername: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  adminUiPasswordHash: Type.Optional(Type.String({ pattern: BCRYPT_HASH })),
  // production: aggregated figures only; development: every socket and event too (costly).
  adminUiMode: StringEnum(['production', 'development']),
  // true: the UI may look but not disconnect sockets or move them between rooms.
  adminUiReadonly: Type.Boolean()
}

/** Words for the pattern errors (configuration.ts' PATTERN_MESSAGES). */
export const adminUiPatternMessages: Record<string, string> = {
  adminUiPasswordHash:
    'must be a bcrypt hash ($2b$12$…, e.g. from `node -e "console.log(require(\'bcryptjs\').hashSync(process.argv[1], 12))" <password>`)'
}

const TRUE = new Set(['true', '1', 'yes', 'on'])
const FALSE = new Set(['false', '0', 'no', 'off'])

/** Environment strings to values, in place (called by normalizeConfiguration). */
export function normalizeAdminUiSettings(result: Record<string, unknown>): void {
  for (const key of ['adminUiUsername', 'adminUiPasswordHash']) {
    if (result[key] === '' || result[key] === null) delete result[key]
  }
  if (typeof result.adminUiPasswordHash === 'string') result.adminUiPasswordHash = result.adminUiPasswordHash.trim()
  if (typeof result.adminUiMode === 'string') result.adminUiMode = result.adminUiMode.trim().toLowerCase()
  if (typeof result.adminUiReadonly === 'string') {
    const word = result.adminUiReadonly.trim().toLowerCase()
    if (TRUE.has(word)) result.adminUiReadonly = true
    else if (FALSE.has(word)) result.adminUiReadonly = false
  }
}

/** Both or neither: one without the other is a mistake, not "off". */
export function adminUiProblems(settings: Record<string, unknown>): string[] {
  const username = settings.adminUiUsername !== undefined
  const hash = settings.adminUiPasswordHash !== undefined
  if (username === hash) return []
  return [
    `the Admin UI needs both ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD_HASH (bcrypt); only ${username ? 'ADMIN_UI_USERNAME' : 'ADMIN_UI_PASSWORD_HASH'} is set`
  ]
}

export interface AdminUiSettings {
  adminUiUsername?: string
  adminUiPasswordHash?: string
  adminUiMode: 'production' | 'development'
  adminUiReadonly: boolean
  redisUrl?: string
  redisPrefix: string
  instanceId?: string
}
