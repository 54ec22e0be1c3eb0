import type { ClientApplication } from '../../client'
import type { PresenceEntry, PresenceList } from './presence.schema'

export type { PresenceEntry, PresenceList }

export type ProjectPresenceClientService = {
  find(): Promise<PresenceList>
}

export const projectPresencePath = 'projects/:project_id/presence'
export const projectPresenceMethods = ['find'] as const

export const presenceClient = (client: ClientApplication) => {
  const connection = client.get('connection')
  client.use(projectPresencePath, connection.service(projectPresencePath), { methods: projectPresenceMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [projectPresencePath]: ProjectPresenceClientService
  }
}
