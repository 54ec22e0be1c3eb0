// The socket.io side of the contract as an AsyncAPI 3.0 document, built from the event catalog
// (src/realtime/events/catalog.ts) - the same table the tests validate every received payload
// against - so the document cannot drift from what the server sends. Served at GET /asyncapi.json
// (./asyncapi-route.ts); `npm run evidence` commits it as evidence/contract/asyncapi.json.
import fs from 'fs'
import path from 'path'
import type { TSchema } from '@feathersjs/typebox'
import type { Application } from '../declarations'
import { EVENT_CATALOG, type CatalogEntry } from '../realtime/events'

const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string
}

/** A JSON Schema of a TypeBox schema: plain JSON (TypeBox's symbol keys dropped), without `$id`s. */
export function jsonSchema(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema), (key, value) => (key === '$id' ? undefined : value))
}

/** AsyncAPI keys allow [A-Za-z0-9._-]: `messages created` -> `messages_created`. */
export const messageKey = (event: string) => event.replace(/[^A-Za-z0-9._-]/g, '_')

const DELIVERY: Record<CatalogEntry['delivery'], string> = {
  logged:
    "Logged: carries the project's `seq` (per project, +1 per logged event) and is kept for EVENT_RETENTION_MS. " +
    'A client that was away subscribes again with `since` (its last seq) and `epoch`: every later logged event ' +
    'is replayed to it, in order, before live events continue (the ack says `recovered`).',
  live:
    'Live-only: sent, reliably and in order with the other events of its project, to the sockets there at that ' +
    "moment; no seq, never replayed (not socket.io's `volatile`, which may drop)."
}

const CHANNELS = {
  socket: {
    address: null,
    title: 'One socket',
    description:
      'A client socket of the main namespace `/`: what it sends to the server (with socket.io acknowledgements ' +
      'as replies), and what the server tells only this socket.'
  },
  everyone: {
    address: null,
    title: 'Every socket',
    description: 'Every socket connected to the instance (each instance beats for its own sockets).'
  },
  projectRoom: {
    address: 'project:{project_id}',
    title: 'Project room',
    description:
      'The socket.io room of one project: the sockets that subscribed to it (on every instance when clustered over Redis). Join with `subscribe`, leave with `unsubscribe`; the server takes a socket out when its access ends (`subscription_revoked`).',
    parameters: { project_id: { description: 'The project id.' } }
  }
} as const

type ChannelName = keyof typeof CHANNELS

const channelOf = (entry: CatalogEntry): ChannelName =>
  entry.to === 'project_room' ? 'projectRoom' : entry.to === 'all_sockets' ? 'everyone' : 'socket'

const ref = (pointer: string) => ({ $ref: pointer })

function message(event: string, entry: CatalogEntry, schema = entry.schema, suffix = '') {
  return {
    name: event,
    title: `${event}${suffix}`,
    summary: entry.description,
    ...(entry.sender === 'server' ? { description: DELIVERY[entry.delivery] } : {}),
    contentType: 'application/json',
    payload: jsonSchema(schema)
  }
}

/** The ack message of a client event: the argument the server's acknowledgement callback gets. */
const ackKey = (event: string) => `${messageKey(event)}_ack`

function channels() {
  const result: Record<ChannelName, Record<string, unknown>> = {
    socket: { ...CHANNELS.socket, messages: {} },
    everyone: { ...CHANNELS.everyone, messages: {} },
    projectRoom: { ...CHANNELS.projectRoom, messages: {} }
  }
  for (const [event, entry] of Object.entries(EVENT_CATALOG)) {
    const messages = result[channelOf(entry)].messages as Record<string, unknown>
    messages[messageKey(event)] = ref(`#/components/messages/${messageKey(event)}`)
    if (entry.ack) messages[ackKey(event)] = ref(`#/components/messages/${ackKey(event)}`)
  }
  return result
}

function messages() {
  const result: Record<string, unknown> = {}
  for (const [event, entry] of Object.entries(EVENT_CATALOG)) {
    result[messageKey(event)] = message(event, entry)
    if (entry.ack) result[ackKey(event)] = message(event, entry, entry.ack, ' (acknowledgement)')
  }
  return result
}

const ACK_NOTE =
  'The answer comes as the acknowledgement (`socket.emit(event, payload, ack)`); without an ack callback, as ' +
  'the `<event>_result` event. Bad input is answered `{ok: false, error}`, never dropped.'

function operations() {
  const result: Record<string, unknown> = {}
  for (const [event, entry] of Object.entries(EVENT_CATALOG)) {
    const channel = channelOf(entry)
    const messageRef = ref(`#/channels/${channel}/messages/${messageKey(event)}`)
    if (entry.sender === 'client') {
      result[messageKey(event)] = {
        action: 'send',
        channel: ref(`#/channels/${channel}`),
        summary: entry.description,
        description: ACK_NOTE,
        messages: [messageRef],
        ...(entry.ack
          ? {
              reply: {
                channel: ref(`#/channels/${channel}`),
                messages: [ref(`#/channels/${channel}/messages/${ackKey(event)}`)]
              }
            }
          : {})
      }
      continue
    }
    result[`on_${messageKey(event)}`] = {
      action: 'receive',
      channel: ref(`#/channels/${channel}`),
      summary: entry.description,
      description: `Sent to ${CHANNELS[channel].title.toLowerCase()}. ${DELIVERY[entry.delivery]}`,
      messages: [messageRef]
    }
  }
  return result
}

const INFO_DESCRIPTION = [
  'The socket.io side of the vibecode-realtime contract (the REST side is /openapi.json), generated from the',
  'event catalog the server and its tests use (src/realtime/events).',
  '',
  'Connect with any socket.io 4 client (engine.io 6: WebSocket, or HTTP long-polling upgraded to it) to the',
  'main namespace `/`. With AUTH=required, send the access token in the handshake: `io(url, { auth: { token } })`;',
  'without one the socket is anonymous and cannot subscribe.',
  '',
  '`subscribe` puts the socket in a project room; the server then sends it every event of that project. Every',
  'event name is the socket.io event name; the payload is its single argument. Feathers service calls also',
  'go over the socket (`emit(method, path, ...args, ack)`, their payloads are those of /openapi.json) and their',
  'errors are `@feathersjs/errors` JSON.',
  '',
  'Delivery: events of a project reach its room in one order. Logged events carry `seq` and can be',
  'replayed with `subscribe` + `since` + `epoch` after a disconnect; live-only ones (progress, presence,',
  'positions) are not replayed.'
].join('\n')

/** The AsyncAPI 3.0 document of the socket events this app sends and handles. */
export function asyncApiDocument(app: Application): Record<string, unknown> {
  const authRequired = app.get('auth') === 'required'
  return {
    asyncapi: '3.0.0',
    info: { title: 'vibecode-realtime socket.io events', version, description: INFO_DESCRIPTION },
    defaultContentType: 'application/json',
    servers: {
      api: {
        host: '{host}',
        protocol: 'ws',
        pathname: '/socket.io/',
        title: 'socket.io 4 over engine.io (WebSocket, or HTTP long-polling upgraded to it)',
        description: 'The same origin as the REST API; HOST and PORT of the configuration.',
        variables: { host: { default: 'localhost:8000', description: 'HOST:PORT the server listens on' } },
        ...(authRequired ? { security: [ref('#/components/securitySchemes/handshakeToken')] } : {})
      }
    },
    channels: channels(),
    operations: operations(),
    components: {
      messages: messages(),
      securitySchemes: {
        handshakeToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'AUTH=required: the access token of `POST /authentication`, sent in the socket.io handshake as ' +
            '`auth: { token }`; a fresh one can be sent later with `create authentication` over the socket.'
        }
      }
    }
  }
}
