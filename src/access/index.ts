// Access control on top of the identities of src/auth: project membership with roles
// (memberships.ts, roles.ts), the policy every service call goes through (policy.ts), the owner
// made at project creation, and the check at subscribe.
//
//   app.configure(access)                       // after services
//   app.access.memberships.roleOf(projectId, userId)
import type { Socket } from 'socket.io'
import { NotAuthenticated, NotFound } from '@feathersjs/errors'
import { currentUser } from '../auth'
import type { Application, HookContext, NextFunction } from '../declarations'
import { existing } from '../hooks/route-id'
import type { ConnectionsReport } from '../realtime/services'
import type { Project } from '../services/projects/projects.schema'
import { Memberships } from './memberships'
import { POLICY, enforce } from './policy'

export { Memberships } from './memberships'
export type { Member } from './memberships'
export { ROLES, allows, isRole, type Role } from './roles'

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must repeat Feathers' type parameters
  interface Application<Services, Settings> {
    access: { memberships: Memberships }
  }
}

/** The Feathers connection of a socket (its params base), where the handshake puts the user. */
const connectionOf = (socket: Socket) => (socket as Socket & { feathers?: { user?: unknown } }).feathers

/** The user a socket acts as (set at its handshake or by an in-band login). */
export const socketUserId = (socket: Socket) => currentUser(connectionOf(socket))?.id

/**
 * May this socket join the project's room? AUTH=off: the project must exist. AUTH=required: the
 * socket's user must be a member (any role); a non-member hears the same 404 as for a project
 * that does not exist.
 */
export async function authorizeSubscription(app: Application, socket: Socket, projectId: number) {
  if (app.get('auth') !== 'required') {
    await existing('Project', projectId, (id) => app.service('projects').get(id))
    return
  }
  const userId = socketUserId(socket)
  if (userId === undefined) {
    throw new NotAuthenticated(
      "Authenticate before subscribing: connect with auth: {token} or create 'authentication' over this socket"
    )
  }
  if (!(await app.access.memberships.roleOf(projectId, userId)))
    throw new NotFound(`Project ${projectId} does not exist`)
}

/** The creator of a project becomes its owner, in the same call (undone if that fails). */
const ownerOfNewProject = async (context: HookContext, next: NextFunction) => {
  await next()
  const user = currentUser(context.params)
  const project = context.result as Project | undefined
  if (!user || !project || Array.isArray(project)) return
  try {
    await context.app.access.memberships.add(project.id, user.id, 'owner')
  } catch (error) {
    await context.app.service('projects').remove(project.id)
    throw error
  }
}

/**
 * GET /connections with AUTH=required: the room counts of the caller's projects only (the ids of
 * other projects, and that they are watched, are not the caller's to know).
 */
const ownRoomsOnly = async (context: HookContext) => {
  const user = currentUser(context.params)
  const report = context.result as ConnectionsReport | undefined
  if (!context.params.provider || context.app.get('auth') !== 'required' || !user || !report) return
  const own = new Set((await context.app.access.memberships.projectIdsOf(user.id)).map(String))
  report.rooms = Object.fromEntries(Object.entries(report.rooms).filter(([projectId]) => own.has(projectId)))
}

export const access = (app: Application) => {
  const memberships = new Memberships(app.get('dbClient'))
  app.access = { memberships }
  app.service('projects').hooks({ around: { create: [ownerOfNewProject] } })
  app.service('connections').hooks({ after: { find: [ownRoomsOnly] } })
  const check = enforce(memberships)
  for (const path of Object.keys(POLICY)) {
    const methods = Object.keys(POLICY[path])
    app.service(path as 'projects').hooks({ around: Object.fromEntries(methods.map((method) => [method, [check]])) })
  }
}
