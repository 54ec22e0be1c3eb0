// The access policy, in one place (as channels.ts is for delivery): for each service method, the
// project it touches and the role it needs. A non-member gets the same 404 as for a record that
// does not exist (a project's existence is not revealed); a member without the role gets 403;
// `find` on the flat routes returns only the caller's projects and their children.
//
// Checks run as around hooks, before the services' own hooks, so a refused call validates and
// writes nothing. Internal calls (no provider) are not checked, and with AUTH=off every caller is
// the local user of a loopback-only server: nothing is checked then either.
import { Forbidden, NotAuthenticated, NotFound } from '@feathersjs/errors'
import type { Application, HookContext, NextFunction } from '../declarations'
import { currentUser } from '../auth'
import { parseId } from '../ids'
import type { Memberships } from './memberships'
import { allows, type Role } from './roles'

/** Finds the project a call touches; a NotFound it throws is what a non-member sees too. */
type Locate = (context: HookContext) => Promise<number | undefined>

type Rule =
  /** The caller needs this role in the located project. */
  | { need: Role; locate: Locate; notFound: (context: HookContext) => NotFound }
  /** Any signed-in user (creating a project makes them its owner). */
  | 'signed-in'
  /** Results are limited to the caller's projects through this query field. */
  | { scope: 'id' | 'project_id' }

const noRecord = (context: HookContext) => new NotFound(`No record found for id '${String(context.id)}'`)
const named = (what: string, value: () => unknown) => () => new NotFound(`${what} ${String(value())} does not exist`)

/** The project of a record of a flat service, read internally; a missing record is a plain 404. */
const projectOfRecord =
  (path: 'sessions' | 'messages' | 'test-runs'): Locate =>
  async (context) => {
    const id = parseId(context.id)
    if (id === undefined) return undefined
    // The three services differ in their types but share get(id) -> a record with project_id.
    const service = context.app.service(path) as { get(id: number): Promise<{ project_id: number }> }
    return (await service.get(id)).project_id
  }

const projectOfSession = async (app: Application, sessionId: unknown) => {
  const id = parseId(sessionId)
  if (id === undefined) return undefined
  try {
    return (await app.service('sessions').get(id)).project_id
  } catch (error) {
    if (error instanceof NotFound) throw new NotFound(`Session ${id} does not exist`)
    throw error
  }
}

const routeParam = (context: HookContext, name: string) =>
  (context.params.route as Record<string, string> | undefined)?.[name]
const fromRoute: Locate = async (context) => parseId(routeParam(context, 'project_id'))
const projectNamedInRoute = (context: HookContext) => named('Project', () => routeParam(context, 'project_id'))()

const onRecord = (path: 'sessions' | 'messages' | 'test-runs', need: Role): Rule => ({
  need,
  locate: projectOfRecord(path),
  notFound: noRecord
})
const onRouteProject = (need: Role): Rule => ({ need, locate: fromRoute, notFound: projectNamedInRoute })

export const POLICY: Record<string, Record<string, Rule>> = {
  projects: {
    find: { scope: 'id' },
    get: { need: 'viewer', locate: async (c) => parseId(c.id), notFound: noRecord },
    create: 'signed-in',
    patch: { need: 'owner', locate: async (c) => parseId(c.id), notFound: noRecord },
    remove: { need: 'owner', locate: async (c) => parseId(c.id), notFound: noRecord }
  },
  sessions: {
    find: { scope: 'project_id' },
    get: onRecord('sessions', 'viewer'),
    create: {
      need: 'editor',
      locate: async (c) => parseId(c.data?.project_id),
      notFound: (c) => named('Project', () => c.data?.project_id)()
    },
    remove: onRecord('sessions', 'editor')
  },
  'projects/:project_id/sessions': { find: onRouteProject('viewer'), create: onRouteProject('editor') },
  messages: {
    find: { scope: 'project_id' },
    get: onRecord('messages', 'viewer'),
    create: {
      need: 'editor',
      locate: (c) => projectOfSession(c.app, c.data?.session_id),
      notFound: (c) => named('Session', () => c.data?.session_id)()
    },
    remove: onRecord('messages', 'editor')
  },
  'sessions/:session_id/messages': Object.fromEntries(
    (['find', 'create'] as const).map((method) => [
      method,
      {
        need: method === 'find' ? 'viewer' : 'editor',
        locate: (c: HookContext) => projectOfSession(c.app, routeParam(c, 'session_id')),
        notFound: (c: HookContext) => named('Session', () => routeParam(c, 'session_id'))()
      } satisfies Rule
    ])
  ),
  'test-runs': {
    find: { scope: 'project_id' },
    get: onRecord('test-runs', 'viewer'),
    remove: onRecord('test-runs', 'editor')
  },
  'projects/:project_id/test-runs': { find: onRouteProject('viewer'), create: onRouteProject('editor') },
  'projects/:project_id/members': {
    find: onRouteProject('owner'),
    get: onRouteProject('owner'),
    create: onRouteProject('owner'),
    patch: onRouteProject('owner'),
    remove: onRouteProject('owner')
  },
  'projects/:project_id/presence': { find: onRouteProject('viewer') },
  connections: { find: 'signed-in' }
}

/** The around hook that applies POLICY[path][method] to external calls. */
export const enforce = (memberships: Memberships) => async (context: HookContext, next: NextFunction) => {
  const rule = POLICY[context.path]?.[context.method]
  if (!rule || !context.params.provider || context.app.get('auth') !== 'required') return next()
  const user = currentUser(context.params)
  if (!user) throw new NotAuthenticated('Authentication required')
  if (rule === 'signed-in') return next()

  if ('scope' in rule) {
    const ids = await memberships.projectIdsOf(user.id)
    const query = context.params.query ?? {}
    const $and = Array.isArray(query.$and) ? query.$and : []
    context.params = { ...context.params, query: { ...query, $and: [...$and, { [rule.scope]: { $in: ids } }] } }
    return next()
  }

  const projectId = await rule.locate(context)
  // An id that cannot be a record: the service answers its own 400/404, touching nothing.
  if (projectId === undefined) return next()
  const role = await memberships.roleOf(projectId, user.id)
  if (!role) throw rule.notFound(context)
  if (!allows(role, rule.need)) {
    throw new Forbidden(
      `This needs the ${rule.need} role in project ${projectId}; you are ${role === 'viewer' ? 'a' : 'an'} ${role}`,
      {
        project_id: projectId,
        role,
        needed: rule.need
      }
    )
  }
  return next()
}
