// WORKERS (issue 10): how many server processes share this machine's port (src/workers). Read like
// the other settings: `<n>` or `auto` (one per CPU) from the environment, a number once normalised,
// and one rule across settings - the workers must share a database, so not an in-memory one.
import os from 'os'
import { Type } from '@feathersjs/typebox'

/** Schema properties, spread into configurationSchema. */
export const workersSettingsProperties = {
  workers: Type.Integer({ minimum: 1, maximum: 256 })
}

/** The CPUs this process may use (a container's quota included where Node knows it). */
export const cpuCount = () => Math.max(1, os.availableParallelism?.() ?? os.cpus().length)

/** `auto` becomes the CPU count; digits become a number; anything else stays, for the schema to name. */
export function normalizeWorkersSettings(result: Record<string, unknown>) {
  const value = result.workers
  if (typeof value !== 'string') return
  const text = value.trim().toLowerCase()
  if (text === 'auto') result.workers = cpuCount()
  else if (/^\d+$/.test(text)) result.workers = Number(text)
}

/** Rules between settings: several workers need a database they can all open. */
export function workersProblems(settings: Record<string, unknown>): string[] {
  const workers = settings.workers
  if (typeof workers !== 'number' || workers <= 1) return []
  if (String(settings.database).trim() === 'sqlite::memory:') {
    return [
      `workers (WORKERS) is ${workers}, but DATABASE_URL=sqlite::memory: lives inside one process: the workers ` +
        'need one database they all open - set DATABASE_URL=sqlite:<file> or postgres://…, or WORKERS=1'
    ]
  }
  return []
}
