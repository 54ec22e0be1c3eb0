// What OpenAPI says about each Feathers service: the TypeBox schemas its hooks validate with and
// answer in, and the few facts a schema cannot carry (the status codes a method adds, routes
// callable without a token). The paths and methods themselves are not listed here: openapi.ts
// reads them from the running app (app.services), so a service registered without an entry still
// appears, with untyped bodies, and test/contract-openapi.test.ts fails until it gets one.
import { Type } from '@feathersjs/typebox'
import type { TSchema } from '@feathersjs/typebox'
import { memberDataSchema, memberPatchSchema, memberSchema } from '../services/members/members.schema'
import { presenceListSchema } from '../services/presence/presence.schema'
import { messageDataSchema, messageQuerySchema, messageSchema } from '../services/messages/messages.schema'
import {
  projectDataSchema,
  projectPatchSchema,
  projectQuerySchema,
  projectSchema
} from '../services/projects/projects.schema'
import { sessionQuerySchema, sessionSchema, sessionDataSchema } from '../services/sessions/sessions.schema'
import { testRunQuerySchema, testRunSchema } from '../services/test-runs/test-runs.schema'
import { userDataSchema, userPatchSchema, userQuerySchema, userSchema } from '../services/users/users.schema'
import { authenticationDataSchema, authenticationResultSchema, connectionsReportSchema } from './openapi-shapes'

export type RestMethod = 'find' | 'get' | 'create' | 'update' | 'patch' | 'remove'

export interface ServiceDoc {
  /** The group in the docs page. */
  tag: string
  summary: string
  /** The answer of get/create/patch/remove (and the items of find). */
  record?: TSchema
  /** `find`'s answer when it is not a page of `record` (a plain list, a report). */
  findResult?: TSchema
  /** The body of create (none: the route takes no body) and of patch. */
  data?: TSchema
  /** create may be sent without a body. */
  optionalBody?: boolean
  patch?: TSchema
  /** The query syntax find (and the other methods) accept. */
  query?: TSchema
  /** What the id in /path/{id} is. */
  idName?: string
  /** Methods anyone may call with AUTH=required (no bearer token). */
  publicMethods?: RestMethod[]
  /** Methods called without an id (DELETE /authentication). */
  withoutId?: RestMethod[]
  /** Status codes a method answers besides the common ones, with why. */
  errors?: Partial<Record<RestMethod, Record<number, string>>>
  /** A service that answers only over socket.io (REST always gets this 400). */
  socketOnly?: string
}

const membersList = Type.Array(memberSchema)

export const SERVICE_DOCS: Record<string, ServiceDoc> = {
  projects: {
    tag: 'projects',
    summary: 'Projects: the caller’s projects (owner on create)',
    record: projectSchema,
    data: projectDataSchema,
    patch: projectPatchSchema,
    query: projectQuerySchema
  },
  sessions: {
    tag: 'sessions',
    summary: 'Sessions of a project',
    record: sessionSchema,
    data: sessionDataSchema,
    query: sessionQuerySchema
  },
  'projects/:project_id/sessions': {
    tag: 'sessions',
    summary: 'The sessions of one project; POST opens one (no body needed)',
    record: sessionSchema,
    data: Type.Object({}, { additionalProperties: false, description: 'no body, or {}' }),
    optionalBody: true,
    query: sessionQuerySchema
  },
  messages: {
    tag: 'messages',
    summary: 'Prompts and their answers',
    record: messageSchema,
    data: messageDataSchema,
    query: messageQuerySchema,
    errors: { create: { 503: 'the answer queue is full: nothing was stored, try again later' } }
  },
  'sessions/:session_id/messages': {
    tag: 'messages',
    summary: 'The messages of one session; POST sends a prompt (the answer streams to the project room)',
    record: messageSchema,
    data: Type.Pick(messageDataSchema, ['prompt'], { $id: 'SessionMessageData', additionalProperties: false }),
    query: messageQuerySchema,
    errors: { create: { 503: 'the answer queue is full: nothing was stored, try again later' } }
  },
  'test-runs': {
    tag: 'test-runs',
    summary: 'Test runs; DELETE stops a queued or running run (the record stays, status cancelled)',
    record: testRunSchema,
    query: testRunQuerySchema
  },
  'projects/:project_id/test-runs': {
    tag: 'test-runs',
    summary: 'The test runs of one project; POST queues a run of its test_command (no body)',
    record: testRunSchema,
    data: Type.Object({}, { additionalProperties: false, description: 'no body, or {}' }),
    optionalBody: true,
    query: testRunQuerySchema,
    errors: { create: { 503: 'test runs are unavailable on this server (no sandbox), or their queue is full' } }
  },
  users: {
    tag: 'access',
    summary: 'Sign-up (POST) and the caller’s own record (another user’s id is a 404)',
    record: userSchema,
    data: userDataSchema,
    patch: userPatchSchema,
    query: userQuerySchema,
    publicMethods: ['create'],
    errors: {
      create: { 403: 'sign-up is closed (AUTH_SIGNUP=closed)', 409: 'a user with this email exists' },
      patch: { 409: 'a user with this email exists' }
    }
  },
  'projects/:project_id/members': {
    tag: 'access',
    summary: 'Who may see and change a project, with which role (owners only)',
    record: memberSchema,
    findResult: membersList,
    data: memberDataSchema,
    patch: memberPatchSchema,
    idName: 'user_id',
    errors: {
      create: { 409: 'the user is a member already' },
      patch: { 409: 'a project keeps at least one owner' },
      remove: { 409: 'a project keeps at least one owner' }
    }
  },
  'projects/:project_id/presence': {
    tag: 'realtime',
    summary: 'Who is in the project room now (members only); the same list as the subscribe ack’s `presence`',
    findResult: presenceListSchema
  },
  authentication: {
    tag: 'access',
    summary: 'Log in (POST: an access token) and log out (DELETE, with the token as bearer)',
    record: authenticationResultSchema,
    data: authenticationDataSchema,
    publicMethods: ['create'],
    withoutId: ['remove'],
    errors: {
      create: { 401: 'wrong email or password, or an invalid or expired token' },
      remove: { 401: 'not logged in: no access token to remove' }
    }
  },
  connections: {
    tag: 'realtime',
    summary: 'The live socket count and the project rooms (summed over the cluster)',
    findResult: connectionsReportSchema
  },
  subscriptions: {
    tag: 'realtime',
    summary: 'Joining project rooms, for the Feathers client over socket.io',
    socketOnly: 'subscriptions belong to a socket.io connection: over REST every call answers 400 (see /asyncapi.json)'
  }
}
