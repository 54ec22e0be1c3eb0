// Numbers the database cannot take are refused with a 400 before a query is built. The query
// schemas (Feathers' querySyntax) accept any `$skip`/`$limit` >= 0 and any integer for an id:
// `$skip=1e20` or `id=99999999999` passed Ajv and failed in the database, a 500 with the SQL
// (PostgreSQL: "value out of range for type integer"; a fractional `$skip`: "invalid input
// syntax"). Every number in a validated query or body must fit an integer column (ids.ts
// MAX_ID; every numeric column here is one), and `$skip`/`$limit` must be whole numbers.
import { BadRequest } from '@feathersjs/errors'
import { MAX_ID } from '../ids'

const MIN_INT = -MAX_ID - 1

/** The first number out of an integer column's range, with where it is (`id.$in.0`). */
function outOfRange(value: unknown, at: string, depth = 0): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= MIN_INT && value <= MAX_ID ? undefined : at
  }
  if (!value || typeof value !== 'object' || depth > 32) return undefined
  for (const [key, item] of Object.entries(value)) {
    const found = outOfRange(item, at ? `${at}.${key}` : key, depth + 1)
    if (found) return found
  }
  return undefined
}

const paging = (query: Record<string, unknown>, key: '$skip' | '$limit') => {
  const value = query[key]
  if (value === undefined) return
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_ID) {
    throw new BadRequest(`Invalid query: ${key} must be a whole number from 0 to ${MAX_ID}`, { [key]: value })
  }
}

/** Throws a 400 naming the field when a validated query holds a number the database cannot take. */
export function checkQueryBounds(query: Record<string, unknown>) {
  paging(query, '$skip')
  paging(query, '$limit')
  const field = outOfRange(query, '')
  if (field) throw new BadRequest(`Invalid query: ${field} is out of range (from ${MIN_INT} to ${MAX_ID})`)
}

/** The same for a validated body (`{"user_id": 1e20}`). */
export function checkBodyBounds(data: unknown, what: string) {
  const field = outOfRange(data, '')
  if (field) throw new BadRequest(`Invalid ${what}: ${field} is out of range (from ${MIN_INT} to ${MAX_ID})`)
}
