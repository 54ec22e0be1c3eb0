// /projects/:project_id/presence: the entries present in a project room, cluster-wide as this
// instance knows them (src/realtime/presence.ts keeps that view; nothing is read from the
// database but the project's existence). Members only (src/access/policy.ts).
import { BadRequest } from '@feathersjs/errors'
import type { Params } from '@feathersjs/feathers'
import type { Application } from '../../declarations'
import { existingParent } from '../../hooks/route-id'
import type { PresenceList } from './presence.schema'

export class ProjectPresenceService {
  constructor(private readonly app: Application) {}

  async find(params?: Params): Promise<PresenceList> {
    const unknown = Object.keys(params?.query ?? {})
    if (unknown.length > 0) {
      throw new BadRequest(`Invalid query: presence takes no query parameters, got ${unknown.slice(0, 5).join(', ')}`)
    }
    const projectId = await existingParent(params, 'project_id', 'Project', (id) =>
      this.app.service('projects').get(id)
    )
    return { project_id: projectId, presence: this.app.realtime.presence.list(projectId) }
  }
}
