// Nested routes (/projects/:project_id/sessions) carry their parent's id in params.route.
import { NotFound } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'

/** A record id: a positive integer, or its decimal string (paths carry strings); else undefined. */
export function asId(value: unknown): number | undefined {
  const id = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 1 ? id : undefined
}

/** The integer value of a route placeholder; anything else names a parent that cannot exist. */
export function routeId(params: Params | undefined, name: string, what: string): number {
  const raw = (params?.route as Record<string, string> | undefined)?.[name]
  const id = asId(raw)
  if (id === undefined) throw new NotFound(`${what} ${String(raw)} does not exist`)
  return id
}

/** The parent id of a nested route, after checking the parent exists (404 naming it if not). */
export async function existingParent(
  params: Params | undefined,
  name: string,
  what: string,
  get: (id: number) => Promise<unknown>
): Promise<number> {
  const id = routeId(params, name, what)
  await orNotFound(get(id), `${what} ${id} does not exist`)
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
