import type { Params } from '@feathersjs/feathers'
import { KnexService } from '@feathersjs/knex'
import type { KnexAdapterOptions, KnexAdapterParams } from '@feathersjs/knex'
import type { Application } from '../../declarations'
import type { Project, ProjectData, ProjectPatch, ProjectQuery } from './projects.schema'

export type ProjectParams = KnexAdapterParams<ProjectQuery>

export class ProjectService<ServiceParams extends Params = ProjectParams> extends KnexService<
  Project,
  ProjectData,
  ServiceParams,
  ProjectPatch
> {}

export const getOptions = (app: Application): KnexAdapterOptions => ({
  paginate: app.get('paginate'),
  Model: app.get('dbClient'),
  name: 'projects'
})
