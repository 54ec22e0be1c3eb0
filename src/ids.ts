// Record ids are positive integers. Paths, query strings and loosely typed socket payloads carry
// them as numbers or decimal strings; this is the one rule every door parses them by.
const DECIMAL = /^\d{1,15}$/

/** A positive safe integer, or its decimal string (surrounding blanks ignored); else undefined. */
export function parseId(value: unknown): number | undefined {
  const id = typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : value
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 ? id : undefined
}
