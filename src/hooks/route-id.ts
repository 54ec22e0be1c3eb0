// Nested routes (/projects/:project_id/sessions) carry their parent's id in params.route.
import { NotFound } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'

/** The integer value of a route placeholder; anything else names a parent that cannot exist. */
export function routeId(params: Params | undefined, name: string, what: string): number {
  const raw = (params?.route as Record<string, string> | undefined)?.[name]
  const id = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id) || id < 1) throw new NotFound(`${what} ${String(raw)} does not exist`)
  return id
}

/** Awaits a lookup; its NotFound becomes one that names the missing parent. */
export async function orNotFound<T>(lookup: Promise<T>, message: string): Promise<T> {
  try {
    return await lookup
  } catch (error) {
    throw error instanceof NotFound ? new NotFound(message) : error
  }
}
