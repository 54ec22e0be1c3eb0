// Messages: the flat `messages` service and the nested route POST/GET /sessions/:session_id/messages.
import { hooks as schemaHooks } from '@feathersjs/schema'
import type { Application, HookContext } from '../../declarations'
import { existing } from '../../hooks/route-id'
import { mapResults } from '../../hooks/map-results'
import { integerId, validateBody, validateQueryWith } from '../../hooks/validation'
import { MessageService, SessionMessagesService, getOptions } from './messages.class'
import {
  messageDataResolver,
  messageDataValidator,
  messageQueryValidator,
  messageResolver,
  toMessage
} from './messages.schema'
import type { MessageRow } from './messages.schema'
import { messageMethods, messagePath, sessionMessagesMethods, sessionMessagesPath } from './messages.shared'

export * from './messages.class'
export * from './messages.schema'

/** The session must exist (404); its project becomes the message's project. */
const copyProjectFromSession = async (context: HookContext) => {
  const sessionId = context.data.session_id
  const session = await existing('Session', sessionId, (id) => context.app.service('sessions').get(id))
  context.data = { ...context.data, project_id: session.project_id }
}

/** Results leave the service in their client shape (usage and error as objects). */
const shapeResults = mapResults<MessageRow, ReturnType<typeof toMessage>>(toMessage)

export const messages = (app: Application) => {
  app.use(messagePath, new MessageService(getOptions(app)), { methods: [...messageMethods], events: [] })
  app.service(messagePath).hooks({
    around: { all: [schemaHooks.resolveResult(messageResolver)] },
    before: {
      all: [integerId, validateQueryWith(messageQueryValidator)],
      create: [
        validateBody(messageDataValidator, 'message'),
        copyProjectFromSession,
        schemaHooks.resolveData(messageDataResolver)
      ]
    },
    after: { all: [shapeResults] }
  })

  app.use(sessionMessagesPath, new SessionMessagesService(app), { methods: [...sessionMessagesMethods], events: [] })
}

declare module '../../declarations' {
  interface ServiceTypes {
    [messagePath]: MessageService
    [sessionMessagesPath]: SessionMessagesService
  }
}
