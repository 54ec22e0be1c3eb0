// Turns stored rows into their client shape, whatever the method answered: one record, an array
// (multi) or a page.
import type { HookContext } from '../declarations'

export const mapResults =
  <R, T>(toClient: (row: R) => T) =>
  (context: HookContext) => {
    const result = context.result as any
    if (Array.isArray(result)) context.result = result.map(toClient)
    else if (result && Array.isArray(result.data)) context.result = { ...result, data: result.data.map(toClient) }
    else if (result) context.result = toClient(result)
  }
