// The Feathers service events that reach project rooms (src/channels.ts decides which): the
// service's record, as the REST API answers it, plus the project's seq (they are logged).
import type { TObject } from '@feathersjs/typebox'
import { ROOM_SERVICES } from '../../channels'
import { messageSchema } from '../../services/messages/messages.schema'
import { projectSchema } from '../../services/projects/projects.schema'
import { sessionSchema } from '../../services/sessions/sessions.schema'
import { testRunSchema } from '../../services/test-runs/test-runs.schema'

/** The record schema of each room service. */
export const SERVICE_RECORD_SCHEMAS: Readonly<Record<string, TObject>> = {
  projects: projectSchema,
  sessions: sessionSchema,
  messages: messageSchema,
  'test-runs': testRunSchema
}

/**
 * The events each room service sends: no service has `update`; `patched` comes from internal
 * patches too (a message's status, a test run's progress), so every room service may send it.
 */
export const SERVICE_EVENT_METHODS = ['created', 'patched', 'removed'] as const

export const ROOM_SERVICE_EVENTS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...ROOM_SERVICES].map((path) => {
    if (!SERVICE_RECORD_SCHEMAS[path]) throw new Error(`No record schema for the room service '${path}'`)
    return [path, SERVICE_EVENT_METHODS]
  })
)
