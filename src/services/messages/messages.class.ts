import { BadRequest } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterOptions, KnexAdapterParams } from '@feathersjs/knex'
import type { Application } from '../../declarations'
import { existingParent } from '../../hooks/route-id'
import type { Message, MessageData, MessagePatch, MessageQuery } from './messages.schema'

export type MessageParams = KnexAdapterParams<MessageQuery>

/** Data is what a client posts; patches are the answer's columns (see MessagePatch). */
export class MessageService<ServiceParams extends Params = MessageParams> extends KnexService<
  Message,
  MessageData,
  ServiceParams,
  MessagePatch
> {}

export const getOptions = (app: Application): KnexAdapterOptions => ({
  paginate: app.get('paginate'),
  Model: app.get('dbClient'),
  name: 'messages'
})

/**
 * `/sessions/:session_id/messages`: post a prompt into a session, list a session's messages.
 * Forwards to `messages`, which validates, stores and publishes.
 */
export class SessionMessagesService {
  constructor(private readonly app: Application) {}

  async find(params?: Params<MessageQuery>) {
    const sessionId = await this.existingSession(params)
    return this.app.service('messages').find({ query: { ...params?.query, session_id: sessionId } })
  }

  async create(data: unknown, params?: Params) {
    const sessionId = await this.existingSession(params)
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new BadRequest('Invalid message: the body must be a JSON object like {"prompt": "…"}')
    }
    return this.app.service('messages').create({ ...(data as object), session_id: sessionId } as MessageData)
  }

  private existingSession(params?: Params) {
    return existingParent(params, 'session_id', 'Session', (id) => this.app.service('sessions').get(id))
  }
}
