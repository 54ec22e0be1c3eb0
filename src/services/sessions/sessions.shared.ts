import type { Params } from '@feathersjs/feathers'
import type { ClientApplication } from '../../client'
import type { Session, SessionData, SessionQuery } from './sessions.schema'
import type { SessionService } from './sessions.class'

export type { Session, SessionData, SessionQuery }

export type SessionClientService = Pick<SessionService<Params<SessionQuery>>, (typeof sessionMethods)[number]>
export type ProjectSessionsClientService = {
  find(params?: Params<SessionQuery>): Promise<{ total: number; limit: number; skip: number; data: Session[] }>
  create(data?: Record<string, never>, params?: Params): Promise<Session>
}

export const sessionPath = 'sessions'
export const sessionMethods = ['find', 'get', 'create', 'remove'] as const
export const projectSessionsPath = 'projects/:project_id/sessions'
export const projectSessionsMethods = ['find', 'create'] as const

export const sessionClient = (client: ClientApplication) => {
  const connection = client.get('connection')
  client.use(sessionPath, connection.service(sessionPath), { methods: sessionMethods })
  client.use(projectSessionsPath, connection.service(projectSessionsPath), { methods: projectSessionsMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [sessionPath]: SessionClientService
    [projectSessionsPath]: ProjectSessionsClientService
  }
}
