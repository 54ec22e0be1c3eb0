// The typed client for the frontend: the Feathers client over socket.io with this server's
// services, plus project subscriptions that come back by themselves after every reconnect.
//
//   import { io } from 'socket.io-client'
//   import { createClient } from 'vibecode-realtime/lib/client'
//   const socket = io('http://localhost:8000')
//   const client = createClient(socket)
//   await client.rooms.subscribe(projectId, { onReset: () => refetchProject(projectId) })
//   client.rooms.on('messages created', (message) => ...)   // in seq order, exactly once
//   client.rooms.onHeartbeat((beat) => ...)                 // also logged at debug level
//   // AUTH=required: io(url, { autoConnect: false }) and createClient(socket, { getToken })
//
// Only types are imported from the server's modules: this file bundles without server code.
import { feathers } from '@feathersjs/feathers'
import type { Application } from '@feathersjs/feathers'
import socketioClient from '@feathersjs/socketio-client'
import authenticationClient from '@feathersjs/authentication-client'
import type { Socket } from 'socket.io-client'
import type { HeartbeatEvent, ProjectEvents, Sequenced, SubscriptionOk } from './realtime/events'
import { ProjectRooms } from './project-rooms'
import { keepAuthenticated, type GetToken } from './client-auth'
import type { ProjectRoomsOptions } from './project-rooms'
import type { Project } from './services/projects/projects.shared'
import type { ProjectSessionsClientService, Session } from './services/sessions/sessions.shared'
import type { Message, SessionMessagesClientService } from './services/messages/messages.shared'
import { projectClient } from './services/projects/projects.shared'
import { sessionClient } from './services/sessions/sessions.shared'
import { messageClient } from './services/messages/messages.shared'
import { testRunClient } from './services/test-runs/test-runs.shared'
import type { TestRun } from './services/test-runs/test-runs.shared'

export type * from './realtime/events'
export { ProjectRooms, SubscriptionError } from './project-rooms'
export type { ConnectionState, ProjectRoomsOptions, SubscriptionHandlers } from './project-rooms'
export type { Project, Session, Message, TestRun }

/** Filled in by each service's `.shared.ts`, plus the realtime plugin's subscriptions. */
export interface ServiceTypes {
  subscriptions: SubscriptionsClientService
}

/** The Feathers-client way to join project rooms (the same as the raw `subscribe` event). */
export interface SubscriptionsClientService {
  find(): Promise<{ project_id: number; room: string }[]>
  create(data: { project_id: number | string; since?: number }): Promise<SubscriptionOk>
  remove(projectId: number | string | null): Promise<SubscriptionOk | SubscriptionOk[]>
}

export interface ClientConfiguration {
  connection: ReturnType<typeof socketioClient<ServiceTypes>>
}

/** Project rooms with typed `on`: room events by name, in seq order, exactly once. */
export interface TypedProjectRooms extends ProjectRooms {
  on<K extends keyof RoomEvents>(event: K, handler: (payload: RoomEvents[K] & Partial<Sequenced>) => void): () => void
  onHeartbeat(handler: (event: HeartbeatEvent) => void): () => void
}

export type ClientApplication = Application<ServiceTypes, ClientConfiguration> & {
  rooms: TypedProjectRooms
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
  'messages patched': Message
  'messages removed': Message
  'test-runs created': TestRun
  'test-runs patched': TestRun
}

export interface ClientOptions extends ProjectRoomsOptions {
  /**
   * Where tokens come from (AUTH=required): asked at every (re)connect, before expiry and after
   * it; the client renews in-band and resubscribes by itself (src/client-auth.ts). Create the
   * socket with `autoConnect: false` so its first handshake carries a token too.
   */
  getToken?: GetToken
}

export function createClient(socket: Socket, options: ClientOptions = {}): ClientApplication {
  const connection = socketioClient<ServiceTypes>(socket)
  const client = feathers<ServiceTypes, ClientConfiguration>() as ClientApplication
  client.configure(connection)
  // Feathers' own login API (client.authenticate / reAuthenticate / logout) for those who use it.
  client.configure(authenticationClient())
  client.set('connection', connection)
  client.configure(projectClient)
  client.configure(sessionClient)
  client.configure(messageClient)
  client.configure(testRunClient)
  client.use('subscriptions', connection.service('subscriptions'), { methods: ['find', 'create', 'remove'] })
  client.rooms = new ProjectRooms(socket, options) as TypedProjectRooms
  if (options.getToken) {
    keepAuthenticated(socket, client.rooms, options.getToken, (message) => (options.logger ?? console).warn(message))
    if (!socket.active) socket.connect()
  }
  // Nested routes: the server takes the parent id from the path, so the path is built here.
  client.projectSessions = (projectId) =>
    client.service(`projects/${projectId}/sessions` as 'projects/:project_id/sessions')
  client.sessionMessages = (sessionId) =>
    client.service(`sessions/${sessionId}/messages` as 'sessions/:session_id/messages')
  return client
}
