// Record ids are positive integers. Paths, query strings and loosely typed socket payloads carry
// them as numbers or decimal strings; this is the one rule every door parses them by.
const DECIMAL = /^\d{1,15}$/

/**
 * The largest value of an integer column: every id and count is a PostgreSQL `integer` (SQLite
 * would take more, PostgreSQL answers "out of range"). Past it an id names nothing.
 */
export const MAX_ID = 2147483647

/** A positive integer up to MAX_ID, or its decimal string (surrounding blanks ignored); else undefined. */
export function parseId(value: unknown): number | undefined {
  const id = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 && id <= MAX_ID ? id : undefined
}
