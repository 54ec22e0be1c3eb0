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
 * The events each room service sends. No service has `update`; `patched` also comes from internal
 * patches (a message's status, a test run's progress); a test run's `remove` cancels it and keeps
 * the record (a `patched`, no `removed`); sessions are never patched.
 */
const EVENTS_OF: Readonly<Record<string, readonly ServiceEvent[]>> = {
  projects: ['created', 'patched', 'removed'],
  sessions: ['created', 'removed'],
  messages: ['created', 'patched', 'removed'],
  'test-runs': ['created', 'patched']
}

export const SERVICE_EVENT_METHODS = ['created', 'patched', 'removed'] as const
export type ServiceEvent = (typeof SERVICE_EVENT_METHODS)[number]

/** Room service path -> the events it sends; every room service of src/channels.ts has a record schema. */
export const ROOM_SERVICE_EVENTS: Readonly<Record<string, readonly ServiceEvent[]>> = Object.fromEntries(
  [...ROOM_SERVICES].map((path) => {
    if (!SERVICE_RECORD_SCHEMAS[path] || !EVENTS_OF[path])
      throw new Error(`No record schema for the room service '${path}'`)
    return [path, EVENTS_OF[path]]
  })
)
