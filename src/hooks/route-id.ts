// Parent records: nested routes (/projects/:project_id/sessions) carry their parent's id in
// params.route, and records name their parent in a field (a message's session_id). One rule for
// "the parent must exist": a 404 that names it, before anything is written.
import { NotFound } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import { parseId } from '../ids'

/** Looks a parent record up; a missing one is a NotFound naming it ("Project 7 does not exist"). */
export async function existing<T>(what: string, id: number, get: (id: number) => Promise<T>): Promise<T> {
  try {
    return await get(id)
  } catch (error) {
    throw error instanceof NotFound ? new NotFound(`${what} ${id} does not exist`) : error
  }
}

/** The parent id of a nested route, after checking the parent exists (404 naming it if not). */
export async function existingParent(
  params: Params | undefined,
  name: string,
  what: string,
  get: (id: number) => Promise<unknown>
): Promise<number> {
  const raw = (params?.route as Record<string, string> | undefined)?.[name]
  const id = parseId(raw)
  // Anything but an integer names a parent that cannot exist.
  if (id === undefined) throw new NotFound(`${what} ${String(raw)} does not exist`)
  await existing(what, id, get)
  return id
}
