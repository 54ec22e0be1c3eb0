// Delivery policy, in one place: which project room each service event goes to. Every room is a
// socket.io room (see src/realtime/rooms.ts), so an event is encoded once and reaches exactly the
// sockets subscribed to its project - on every instance when clustered. Events of other paths
// (subscriptions, connections, the nested routes that forward to these services) go nowhere.
import type { Application } from './declarations'
import type { Project } from './services/projects/projects.schema'
import type { Session } from './services/sessions/sessions.schema'
import type { Message } from './services/messages/messages.schema'
import type { TestRun } from './services/test-runs/test-runs.schema'

export const channels = (app: Application) => {
  const { realtime } = app

  app.service('projects').publish((project) => realtime.projectChannel((project as Project).id))
  // The project is gone: its subscribers hear `projects removed`, then the room is emptied.
  app
    .service('projects')
    .publish('removed', (project) => realtime.projectChannel((project as Project).id, { close: true }))

  app.service('sessions').publish((session) => realtime.projectChannel((session as Session).project_id))
  app.service('messages').publish((message) => realtime.projectChannel((message as Message).project_id))
  app.service('test-runs').publish((run) => realtime.projectChannel((run as TestRun).project_id))
}
