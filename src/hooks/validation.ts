// Validation hooks that answer bad input with a 400 whose message says what is wrong
// ("prompt must NOT have fewer than 1 characters"), not Ajv's bare "validation failed".
import { BadRequest, NotFound } from '@feathersjs/errors'
import type { Validator } from '@feathersjs/schema'
import type { HookContext, NextFunction } from '../declarations'
import { parseId } from '../ids'

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
    .filter((text, index, all) => all.indexOf(text) === index)
    .join('; ')
}

async function runValidator(validator: Validator, value: unknown, what: string) {
  try {
    return await validator(value)
  } catch (error) {
    // Feathers' validators throw a BadRequest marked `ajv` with Ajv's problems as `errors`.
    const failure = error as { ajv?: boolean; errors?: AjvProblem[] }
    if (!failure?.ajv) throw error
    throw new BadRequest(`Invalid ${what}: ${describeProblems(failure.errors ?? [])}`, failure.errors)
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
    if (next) await next()
  }

/** Validates (and coerces) `params.query`. */
export const validateQueryWith = (validator: Validator) => async (context: HookContext, next?: NextFunction) => {
  context.params = { ...context.params, query: await runValidator(validator, context.params.query ?? {}, 'query') }
  if (next) await next()
}

/**
 * Ids are integers. A path like /projects/abc is a record that cannot exist: 404, the same on
 * SQLite (which would compare) and PostgreSQL (which would raise a type error, a 500).
 */
export const integerId = (context: HookContext) => {
  if (context.id === undefined || context.id === null) return
  const id = parseId(context.id)
  if (id === undefined) throw new NotFound(`No record found for id '${String(context.id)}'`)
  context.id = id
}
