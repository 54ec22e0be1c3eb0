// Validation hooks that answer bad input with a 400 whose message says what is wrong
// ("prompt must NOT have fewer than 1 characters"), not Ajv's bare "validation failed".
import { BadRequest, NotFound } from '@feathersjs/errors'
import type { Validator } from '@feathersjs/schema'
import type { HookContext, NextFunction } from '../declarations'
import { parseId } from '../ids'
import { checkBodyBounds, checkQueryBounds } from './query-bounds'

interface AjvProblem {
  instancePath?: string
  keyword?: string
  message?: string
  params?: Record<string, unknown>
}

// Our schemas say "not blank" as minLength 1 plus the pattern \S: word those plainly.
function wording(problem: AjvProblem) {
  if (problem.keyword === 'minLength' && problem.params?.limit === 1) return 'must not be empty'
  if (problem.keyword === 'pattern' && problem.params?.pattern === '\\S') return 'must not be blank'
  return problem.message
}

export function describeProblems(problems: AjvProblem[]): string {
  const emptyFields = new Set(problems.filter((p) => wording(p) === 'must not be empty').map((p) => p.instancePath))
  return problems
    .filter((problem) => !(wording(problem) === 'must not be blank' && emptyFields.has(problem.instancePath)))
    .map((problem) => {
      const field = (problem.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.')
      if (problem.params?.additionalProperty) return `unknown field '${String(problem.params.additionalProperty)}'`
      if (problem.params?.missingProperty) return `${String(problem.params.missingProperty)} is required`
      return field ? `${field} ${wording(problem)}` : `body ${wording(problem)}`
    })
    .filter(firstTime())
    .join('; ')
}

// A body or query with thousands of unknown fields gets thousands of problems: each is worded
// once (a Set, not a quadratic indexOf), and the answer names the first MAX_PROBLEMS of them.
const MAX_PROBLEMS = 20

function firstTime() {
  const seen = new Set<string>()
  return (text: string) => !seen.has(text) && seen.add(text).size <= MAX_PROBLEMS
}

async function runValidator(validator: Validator, value: unknown, what: string) {
  try {
    return await validator(value)
  } catch (error) {
    // Feathers' validators throw a BadRequest marked `ajv` with Ajv's problems as `errors`.
    const failure = error as { ajv?: boolean; errors?: AjvProblem[] }
    if (!failure?.ajv) throw error
    const problems = failure.errors ?? []
    const more = problems.length > MAX_PROBLEMS ? ` (${problems.length} problems; the first ${MAX_PROBLEMS} shown)` : ''
    throw new BadRequest(`Invalid ${what}: ${describeProblems(problems)}${more}`, problems.slice(0, MAX_PROBLEMS))
  }
}

/** Validates `context.data` (a single object: arrays are refused before Ajv sees them). */
export const validateBody =
  (validator: Validator, what: string) => async (context: HookContext, next?: NextFunction) => {
    if (Array.isArray(context.data)) throw new BadRequest(`Invalid ${what}: send one object, not an array`)
    if (context.data === null || typeof context.data !== 'object') {
      throw new BadRequest(`Invalid ${what}: the body must be a JSON object`)
    }
    context.data = await runValidator(validator, context.data, what)
    checkBodyBounds(context.data, what)
    if (next) await next()
  }

/** Validates (and coerces) `params.query`. */
export const validateQueryWith = (validator: Validator) => async (context: HookContext, next?: NextFunction) => {
  const query = await runValidator(validator, context.params.query ?? {}, 'query')
  checkQueryBounds(query)
  context.params = { ...context.params, query }
  if (next) await next()
}

/**
 * Ids are integers. A path like /projects/abc is a record that cannot exist: 404, the same on
 * SQLite (which would compare) and PostgreSQL (which would raise a type error, a 500).
 */
export const integerId = (context: HookContext) => {
  if (context.id === undefined || context.id === null) {
    // get/update need a record; patch/remove take null for "many" (refused by the adapter).
    const needed = context.method === 'get' || context.method === 'update' || context.id === undefined
    if (needed && ['get', 'update', 'patch', 'remove'].includes(context.method)) {
      throw new BadRequest(`${context.method} needs an id`)
    }
    return
  }
  const id = parseId(context.id)
  if (id === undefined) throw new NotFound(`No record found for id '${String(context.id)}'`)
  context.id = id
}
