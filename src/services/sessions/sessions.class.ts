import { BadRequest } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterOptions, KnexAdapterParams } from '@feathersjs/knex'
import type { Application } from '../../declarations'
import { existingParent } from '../../hooks/route-id'
import type { Session, SessionData, SessionQuery } from './sessions.schema'

export type SessionParams = KnexAdapterParams<SessionQuery>

export class SessionService<ServiceParams extends Params = SessionParams> extends KnexService<
  Session,
  SessionData,
  ServiceParams
> {}

export const getOptions = (app: Application): KnexAdapterOptions => ({
  paginate: app.get('paginate'),
  Model: app.get('dbClient'),
  name: 'sessions'
})

/**
 * `/projects/:project_id/sessions`: create and list one project's sessions. It forwards to the
 * `sessions` service, so records, validation and events live in one place (events are published
 * by `sessions`, not by this route).
 */
export class ProjectSessionsService {
  constructor(private readonly app: Application) {}

  async find(params?: Params<SessionQuery>) {
    const projectId = await this.existingProject(params)
    return this.app.service('sessions').find({ query: { ...params?.query, project_id: projectId } })
  }

  async create(data: unknown, params?: Params) {
    const projectId = await this.existingProject(params)
    // The body may be empty; a body that is there must be an object (no other field is taken).
    if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
      throw new BadRequest('Invalid session: the body must be a JSON object or empty')
    }
    const { project_id: _ignored, ...rest } = (data ?? {}) as Record<string, unknown>
    return this.app.service('sessions').create({ ...rest, project_id: projectId } as SessionData)
  }

  private existingProject(params?: Params) {
    return existingParent(params, 'project_id', 'Project', (id) => this.app.service('projects').get(id))
  }
}
