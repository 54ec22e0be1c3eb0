import type { Params } from '@feathersjs/feathers'
import type { ClientApplication } from '../../client'
import type { Message, MessageData, MessageQuery } from './messages.schema'
import type { MessageService } from './messages.class'

export type { Message, MessageData, MessageQuery }

export type MessageClientService = Pick<MessageService<Params<MessageQuery>>, (typeof messageMethods)[number]>
export type SessionMessagesClientService = {
  find(params?: Params<MessageQuery>): Promise<{ total: number; limit: number; skip: number; data: Message[] }>
  create(data: { prompt: string }, params?: Params): Promise<Message>
}

export const messagePath = 'messages'
export const messageMethods = ['find', 'get', 'create', 'remove'] as const
export const sessionMessagesPath = 'sessions/:session_id/messages'
export const sessionMessagesMethods = ['find', 'create'] as const

export const messageClient = (client: ClientApplication) => {
  const connection = client.get('connection')
  client.use(messagePath, connection.service(messagePath), { methods: messageMethods })
  client.use(sessionMessagesPath, connection.service(sessionMessagesPath), { methods: sessionMessagesMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [messagePath]: MessageClientService
    [sessionMessagesPath]: SessionMessagesClientService
  }
}
