// Delivery policy, in one place: which project room each service event goes to. Every room is a
// socket.io room (see src/realtime/rooms.ts), so an event is encoded once and reaches exactly the
// sockets subscribed to its project - on every instance when clustered. Events of other paths
// (subscriptions, connections, users, the nested routes that forward to these services) go nowhere.
// The outbox (src/outbox.ts) logs each of these events with its change, by the same rule.
import type { Application } from './declarations'
import type { Project } from './services/projects/projects.schema'

/** The services whose events go to project rooms. */
export const ROOM_SERVICES: ReadonlySet<string> = new Set(['projects', 'sessions', 'messages', 'test-runs'])

/** The project a record's events belong to: a project is its own; the others name theirs. */
export function projectOfRecord(path: string, record: { id?: unknown; project_id?: unknown }): number | undefined {
  const id = path === 'projects' ? record.id : record.project_id
  return typeof id === 'number' ? id : undefined
}

export const channels = (app: Application) => {
  const { realtime } = app
  for (const path of ROOM_SERVICES) {
    app.service(path as 'projects').publish((record) => {
      const projectId = projectOfRecord(path, record as { id?: unknown; project_id?: unknown })
      return projectId === undefined ? [] : realtime.projectChannel(projectId)
    })
  }
  // The project is gone: its subscribers hear `projects removed`, then the room is emptied.
  app
    .service('projects')
    .publish('removed', (project) => realtime.projectChannel((project as Project).id, { close: true }))
}
