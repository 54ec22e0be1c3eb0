// Presence over REST: GET /projects/:project_id/presence (see presence.class.ts; the live side is
// src/realtime/presence.ts).
import type { Application } from '../../declarations'
import { ProjectPresenceService } from './presence.class'
import { projectPresenceMethods, projectPresencePath } from './presence.shared'

export * from './presence.class'
export * from './presence.schema'

export const presence = (app: Application) => {
  app.use(projectPresencePath, new ProjectPresenceService(app), { methods: [...projectPresenceMethods], events: [] })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [projectPresencePath]: ProjectPresenceService
  }
}
