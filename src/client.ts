// The typed client for the frontend: the Feathers client over socket.io with this server's
// services, plus project subscriptions that come back by themselves after every reconnect.
//
//   import { io } from 'socket.io-client'
//   import { createClient } from 'vibecode-realtime/lib/client'
//   const socket = io('http://localhost:8000')
//   const client = createClient(socket)
//   await client.rooms.subscribe(projectId)
//   client.rooms.on('messages created', (message) => ...)
//   client.rooms.onHeartbeat((beat) => console.debug('heartbeat', beat.connections))
//
// Only types are imported from the server's modules: this file bundles without server code.
import { feathers } from '@feathersjs/feathers'
import type { Application } from '@feathersjs/feathers'
import socketioClient from '@feathersjs/socketio-client'
import type { Socket } from 'socket.io-client'
import type { ErrorPayload, HeartbeatEvent, ProjectEvents, SubscriptionAck, SubscriptionOk } from './realtime/events'
import { CONTROL_EVENTS } from './realtime/events'
import type { Project } from './services/projects/projects.shared'
import type { ProjectSessionsClientService, Session } from './services/sessions/sessions.shared'
import type { Message, SessionMessagesClientService } from './services/messages/messages.shared'
import { projectClient } from './services/projects/projects.shared'
import { sessionClient } from './services/sessions/sessions.shared'
import { messageClient } from './services/messages/messages.shared'

export type * from './realtime/events'
export type { Project, Session, Message }

/** Filled in by each service's `.shared.ts`, plus the realtime plugin's subscriptions. */
export interface ServiceTypes {
  subscriptions: SubscriptionsClientService
}

/** The Feathers-client way to join project rooms (the same as the raw `subscribe` event). */
export interface SubscriptionsClientService {
  find(): Promise<{ project_id: number; room: string }[]>
  create(data: { project_id: number | string }): Promise<SubscriptionOk>
  remove(projectId: number | string | null): Promise<SubscriptionOk | SubscriptionOk[]>
}

export interface ClientConfiguration {
  connection: ReturnType<typeof socketioClient<ServiceTypes>>
}

export type ClientApplication = Application<ServiceTypes, ClientConfiguration> & {
  rooms: ProjectRooms
  /** `/projects/:project_id/sessions` for one project. */
  projectSessions(projectId: number): ProjectSessionsClientService
  /** `/sessions/:session_id/messages` for one session. */
  sessionMessages(sessionId: number): SessionMessagesClientService
}

/** Service events as they arrive in a project room, with their record type. */
export interface RoomEvents extends ProjectEvents {
  'projects created': Project
  'projects patched': Project
  'projects removed': Project
  'sessions created': Session
  'sessions removed': Session
  'messages created': Message
  'messages removed': Message
}

/** An error the server answered a subscription with (its Feathers error JSON). */
export class SubscriptionError extends Error {
  readonly code: number
  readonly data?: unknown

  constructor(payload: ErrorPayload) {
    super(payload.message)
    this.name = payload.name
    this.code = payload.code
    this.data = payload.data
  }
}

/**
 * Project rooms for one socket. Subscriptions are remembered and sent again on every `connect`
 * (a reconnect lands on a new server-side socket that is in no room).
 */
export class ProjectRooms {
  private readonly projects = new Set<number>()

  constructor(
    readonly socket: Socket,
    private readonly ackTimeoutMs = 10_000
  ) {
    socket.on('connect', () => {
      for (const projectId of this.projects) {
        this.request(CONTROL_EVENTS.subscribe, projectId).catch((error) => {
          // The project may be gone; stop asking for it after a definite "no".
          if (error instanceof SubscriptionError && error.code === 404) this.projects.delete(projectId)
        })
      }
    })
  }

  /** Project ids this client wants to be subscribed to. */
  get subscribed(): number[] {
    return [...this.projects]
  }

  async subscribe(projectId: number): Promise<SubscriptionOk> {
    const ack = await this.request(CONTROL_EVENTS.subscribe, projectId)
    this.projects.add(ack.project_id)
    return ack
  }

  async unsubscribe(projectId: number): Promise<SubscriptionOk> {
    this.projects.delete(projectId)
    return this.request(CONTROL_EVENTS.unsubscribe, projectId)
  }

  on<K extends keyof RoomEvents>(event: K, handler: (payload: RoomEvents[K]) => void): () => void {
    this.socket.on(event as string, handler as (...args: any[]) => void)
    return () => this.socket.off(event as string, handler as (...args: any[]) => void)
  }

  onHeartbeat(handler: (event: HeartbeatEvent) => void): () => void {
    this.socket.on(CONTROL_EVENTS.heartbeat, handler)
    return () => this.socket.off(CONTROL_EVENTS.heartbeat, handler)
  }

  private async request(event: string, projectId: number): Promise<SubscriptionOk> {
    const ack: SubscriptionAck = await this.socket
      .timeout(this.ackTimeoutMs)
      .emitWithAck(event, { project_id: projectId })
    if (!ack.ok) throw new SubscriptionError(ack.error)
    return ack
  }
}

export function createClient(socket: Socket, options: { ackTimeoutMs?: number } = {}): ClientApplication {
  const connection = socketioClient<ServiceTypes>(socket)
  const client = feathers<ServiceTypes, ClientConfiguration>() as ClientApplication
  client.configure(connection)
  client.set('connection', connection)
  client.configure(projectClient)
  client.configure(sessionClient)
  client.configure(messageClient)
  client.use('subscriptions', connection.service('subscriptions'), { methods: ['find', 'create', 'remove'] })
  client.rooms = new ProjectRooms(socket, options.ackTimeoutMs)
  // Nested routes: the server takes the parent id from the path, so the path is built here.
  client.projectSessions = (projectId) =>
    client.service(`projects/${projectId}/sessions` as 'projects/:project_id/sessions')
  client.sessionMessages = (sessionId) =>
    client.service(`sessions/${sessionId}/messages` as 'sessions/:session_id/messages')
  return client
}
