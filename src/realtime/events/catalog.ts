// The event catalog: every socket event the server handles or sends, with its payload schema, where
// it goes and how it is delivered. One table for the AsyncAPI document (src/contract/asyncapi.ts)
// and for the tests, which validate every payload a test client receives against it
// (test/contract-check.ts): a producer that drifts from its schema fails the suite.
import { Type } from '@feathersjs/typebox'
import type { TObject, TSchema } from '@feathersjs/typebox'
import { ROOM_SERVICE_EVENTS, SERVICE_RECORD_SCHEMAS } from './service-events'
import {
  AuthExpiredEventSchema,
  AuthExpiringEventSchema,
  HeartbeatEventSchema,
  StreamPositionEventSchema,
  SubscriptionAckSchema,
  SubscriptionRequestSchema,
  SubscriptionRevokedEventSchema
} from './control'
import { CONTROL_EVENTS, PRESENCE_EVENTS } from './names'
import { PresenceEventSchema } from './presence'
import { LIVE_ONLY_EVENTS, PROJECT_EVENT_SCHEMAS, SequencedSchema } from './project'

export interface CatalogEntry {
  /** The payload (first argument) of the event. */
  schema: TSchema
  /** client: a client sends it (the server answers through the ack); server: the server sends it. */
  sender: 'client' | 'server'
  /** Who receives it: the server, one socket, every socket of a project room, or every socket. */
  to: 'server' | 'socket' | 'project_room' | 'all_sockets'
  /** logged: numbered with the project's `seq`, kept and replayed on resume; live: sent in order, never replayed. */
  delivery: 'logged' | 'live'
  /** The ack's argument (client events answered through an ack). */
  ack?: TSchema
  description: string
}

/** A logged payload on the wire: its fields and the per-project seq. */
export const withSeq = (schema: TObject, title?: string) =>
  Type.Intersect([schema, SequencedSchema], {
    additionalProperties: false,
    ...(title ? { title } : {}),
    ...(schema.description ? { description: schema.description } : {})
  })

const C = CONTROL_EVENTS

const control: Record<string, CatalogEntry> = {
  [C.subscribe]: {
    schema: SubscriptionRequestSchema,
    sender: 'client',
    to: 'server',
    delivery: 'live',
    ack: SubscriptionAckSchema,
    description:
      "Join a project's room. With `since` (and `epoch`), every logged event after `since` is replayed first. " +
      'Without an ack callback, the answer comes as `subscribe_result`.'
  },
  [C.unsubscribe]: {
    schema: SubscriptionRequestSchema,
    sender: 'client',
    to: 'server',
    delivery: 'live',
    ack: SubscriptionAckSchema,
    description: "Leave a project's room. Without an ack callback, the answer comes as `unsubscribe_result`."
  },
  [C.subscribeResult]: {
    schema: SubscriptionAckSchema,
    sender: 'server',
    to: 'socket',
    delivery: 'live',
    description: 'The answer to a `subscribe` sent without an ack callback.'
  },
  [C.unsubscribeResult]: {
    schema: SubscriptionAckSchema,
    sender: 'server',
    to: 'socket',
    delivery: 'live',
    description: 'The answer to an `unsubscribe` sent without an ack callback.'
  },
  [C.heartbeat]: {
    schema: HeartbeatEventSchema,
    sender: 'server',
    to: 'all_sockets',
    delivery: 'live',
    description: 'Every HEARTBEAT_INTERVAL_MS (and once right after connecting): live connection counts.'
  },
  [C.streamPosition]: {
    schema: StreamPositionEventSchema,
    sender: 'server',
    to: 'project_room',
    delivery: 'live',
    description:
      "Where the project's stream stands (periodically, and after the cluster's Redis comes back). " +
      'A client whose last seq is lower or whose epoch differs subscribes again with `since`.'
  },
  [C.authExpiring]: {
    schema: AuthExpiringEventSchema,
    sender: 'server',
    to: 'socket',
    delivery: 'live',
    description: "The socket's token expires soon: authenticate again in-band to keep its rooms."
  },
  [C.authExpired]: {
    schema: AuthExpiredEventSchema,
    sender: 'server',
    to: 'socket',
    delivery: 'live',
    description: 'The token expired: the socket left these project rooms and is anonymous now.'
  },
  [C.subscriptionRevoked]: {
    schema: SubscriptionRevokedEventSchema,
    sender: 'server',
    to: 'socket',
    delivery: 'live',
    description:
      'The server took the socket out of a project room (member removed, project deleted, login expired or ' +
      'changed). Sent to each socket concerned; no further event of that project reaches it.'
  },
  [PRESENCE_EVENTS.join]: {
    schema: PresenceEventSchema,
    sender: 'server',
    to: 'project_room',
    delivery: 'live',
    description: "An entry's first socket joined the project room (not logged, no seq, not replayed)."
  },
  [PRESENCE_EVENTS.leave]: {
    schema: PresenceEventSchema,
    sender: 'server',
    to: 'project_room',
    delivery: 'live',
    description:
      "An entry's last socket left the project room and did not come back within PRESENCE_GRACE_MS " +
      '(not logged, no seq, not replayed).'
  }
}

function projectEvents(): Record<string, CatalogEntry> {
  const entries: Record<string, CatalogEntry> = {}
  for (const [name, schema] of Object.entries(PROJECT_EVENT_SCHEMAS)) {
    const live = LIVE_ONLY_EVENTS.has(name)
    entries[name] = {
      schema: live ? schema : withSeq(schema, schema.title),
      sender: 'server',
      to: 'project_room',
      delivery: live ? 'live' : 'logged',
      description: schema.description ?? name
    }
  }
  return entries
}

function serviceEvents(): Record<string, CatalogEntry> {
  const entries: Record<string, CatalogEntry> = {}
  for (const [path, methods] of Object.entries(ROOM_SERVICE_EVENTS)) {
    const record = SERVICE_RECORD_SCHEMAS[path]
    for (const method of methods) {
      entries[`${path} ${method}`] = {
        schema: withSeq(record, `${path} ${method}`),
        sender: 'server',
        to: 'project_room',
        delivery: 'logged',
        description: `A ${String(record.$id ?? path)} record was ${method}: the record as REST answers it, with the seq.`
      }
    }
  }
  return entries
}

/** Every event name -> its entry. */
export const EVENT_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  ...control,
  ...projectEvents(),
  ...serviceEvents()
}
