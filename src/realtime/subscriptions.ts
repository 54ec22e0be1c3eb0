// Joining and leaving project rooms. Two doors, one implementation:
//  - raw socket.io: `socket.emit('subscribe', { project_id }, ack)` (and 'unsubscribe');
//  - the Feathers client: `client.service('subscriptions').create({ project_id })` / `.remove(id)`.
// Any payload is answered: malformed ones with a clear error ack, never a thrown exception.
import { BadRequest, GeneralError } from '@feathersjs/errors'
import type { Socket } from 'socket.io'
import { sharedListener } from './shared-listener'
import { parseId } from '../ids'
import { isPublic } from '../public-errors'
import type { ErrorAck, ErrorPayload, SubscriptionOk } from './events'
import { CONTROL_EVENTS } from './events'
import type { JoinResult } from './project-streams'
import type { RealtimeObserver } from './observer'
import { projectIdOfRoom, projectRoom, quietRoom } from './rooms'

const EXAMPLE = '{"project_id": 1}'

function describe(value: unknown) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'string' ? `the string ${JSON.stringify(value.slice(0, 40))}` : `a ${typeof value}`
}

/** The project id of a `subscribe`/`unsubscribe` payload; throws BadRequest saying what is wrong. */
export function parseProjectId(payload: unknown, event = 'subscribe'): number {
  if (payload === undefined) throw new BadRequest(`${event} needs a payload like ${EXAMPLE}`)
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new BadRequest(`${event} payload must be an object like ${EXAMPLE}, got ${describe(payload)}`)
  }
  const value = (payload as { project_id?: unknown }).project_id
  if (value === undefined) throw new BadRequest(`${event} payload is missing project_id (expected ${EXAMPLE})`)
  const id = parseId(value)
  if (id === undefined) {
    throw new BadRequest(`project_id must be a positive integer (or its decimal string), got ${describe(value)}`, {
      project_id: value
    })
  }
  return id
}

/** Feathers error JSON for an ack; unexpected and database errors become a 500 without internals. */
export function errorPayload(error: unknown): ErrorPayload {
  const feathersError = isPublic(error) ? error : new GeneralError('Internal error while handling the request')
  const { name, code, message, data } = feathersError.toJSON()
  return data === undefined ? { name, code, message } : { name, code, message, data }
}

export const errorAck = (error: unknown): ErrorAck => ({ ok: false, error: errorPayload(error) })

/** `since` of a subscribe payload: absent, or the non-negative integer seq the client has. */
export function parseSince(payload: unknown): number | undefined {
  const since = (payload as { since?: unknown }).since
  if (since === undefined || since === null) return undefined
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    throw new BadRequest(`since must be a non-negative integer seq, got ${describe(since)}`, { since })
  }
  return since
}

/** `epoch` of a subscribe payload: absent, or the stream name an ack or `stream_position` gave. */
export function parseEpoch(payload: unknown): string | undefined {
  const epoch = (payload as { epoch?: unknown }).epoch
  if (epoch === undefined || epoch === null) return undefined
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) {
    throw new BadRequest(`epoch must be the string an ack or stream_position carried, got ${describe(epoch)}`)
  }
  return epoch
}

/** `presence` of a subscribe payload: true unless the client sends false (see `quietRoom`). */
export function parsePresence(payload: unknown): boolean {
  const presence = (payload as { presence?: unknown }).presence
  if (presence === undefined || presence === null) return true
  if (typeof presence !== 'boolean') throw new BadRequest(`presence must be true or false, got ${describe(presence)}`)
  return presence
}

/** Rejects (NotFound, Forbidden, …) when this socket may not join this project's room. */
export type AuthorizeSubscription = (socket: Socket, projectId: number) => Promise<void>

/** Puts the socket in the project's room, replaying logged events after `since` first. */
export type JoinProject = (
  socket: Socket,
  projectId: number,
  since: number | undefined,
  epoch: string | undefined,
  /** Whether the ack carries the presence list (false: the client asked for no presence). */
  presence?: boolean
) => Promise<JoinResult>

export class Subscriptions {
  constructor(
    private readonly authorize: AuthorizeSubscription,
    private readonly join: JoinProject,
    private readonly observer?: RealtimeObserver
  ) {}

  /** Joins a project's room (both doors); the observer hears the ack or the error. */
  subscribe(socket: Socket, payload: unknown): Promise<SubscriptionOk> {
    const answered = this.authorizeAndJoin(socket, payload)
    const observer = this.observer
    if (observer?.subscribed) {
      answered.then(
        (ack) => observer.subscribed?.(socket, ack),
        (error) => observer.subscribed?.(socket, { ok: false, error })
      )
    }
    return answered
  }

  private async authorizeAndJoin(socket: Socket, payload: unknown): Promise<SubscriptionOk> {
    const projectId = parseProjectId(payload, CONTROL_EVENTS.subscribe)
    const since = parseSince(payload)
    const epoch = parseEpoch(payload)
    const presence = parsePresence(payload)
    await this.authorize(socket, projectId)
    // Before the project room: a quiet socket never hears a presence event of the room.
    if (presence) socket.leave(quietRoom(projectId))
    else socket.join(quietRoom(projectId))
    const joined = await this.join(socket, projectId, since, epoch, presence)
    return { ok: true, project_id: projectId, room: projectRoom(projectId), subscribed: true, ...joined }
  }

  unsubscribe(socket: Socket, payload: unknown): SubscriptionOk {
    const projectId = parseProjectId(payload, CONTROL_EVENTS.unsubscribe)
    const room = projectRoom(projectId)
    const wasSubscribed = socket.rooms.has(room)
    socket.leave(room)
    socket.leave(quietRoom(projectId))
    return { ok: true, project_id: projectId, room, subscribed: false, was_subscribed: wasSubscribed }
  }

  /** Project rooms the socket is in. */
  list(socket: Socket) {
    return [...socket.rooms]
      .map((room) => ({ room, project_id: projectIdOfRoom(room) }))
      .filter((entry): entry is { room: string; project_id: number } => entry.project_id !== null)
  }

  /** Listens to the raw socket.io events on one socket (the same two listeners for every socket). */
  listen(socket: Socket) {
    socket.on(CONTROL_EVENTS.subscribe, this.onSubscribe)
    socket.on(CONTROL_EVENTS.unsubscribe, this.onUnsubscribe)
  }

  private readonly onSubscribe = sharedListener((socket, args) =>
    this.answer(socket, CONTROL_EVENTS.subscribeResult, args, (payload) => this.subscribe(socket, payload))
  )

  private readonly onUnsubscribe = sharedListener((socket, args) =>
    this.answer(socket, CONTROL_EVENTS.unsubscribeResult, args, async (payload) => this.unsubscribe(socket, payload))
  )

  /**
   * Runs a handler and answers through the ack callback when the client passed one, else with a
   * `<event>_result` event carrying the same object. Nothing escapes as an exception.
   */
  private answer(
    socket: Socket,
    resultEvent: string,
    args: unknown[],
    handler: (payload: unknown) => Promise<SubscriptionOk>
  ) {
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (reply: unknown) => void) : undefined
    const reply = (value: SubscriptionOk | ErrorAck) => {
      if (ack) ack(value)
      else if (socket.connected) socket.emit(resultEvent, value)
    }
    handler(args[0]).then(reply, (error) => reply(errorAck(error)))
  }
}
