// Turns stored rows into their client shape, whatever the method answered: one record, an array
// (multi) or a page.
import type { HookContext } from '../declarations'

export const mapResults =
  <R, T>(toClient: (row: R) => T) =>
  (context: HookContext) => {
    // Rows as the database adapter returned them: one, several, or a page of them.
    const result = context.result as R | R[] | { data: R[] } | undefined
    if (Array.isArray(result)) context.result = result.map(toClient)
    else if (isPage(result)) context.result = { ...result, data: result.data.map(toClient) }
    else if (result) context.result = toClient(result)
  }

function isPage<R>(value: unknown): value is { data: R[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { data?: unknown }).data)
}
