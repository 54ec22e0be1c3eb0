// What the client needs to know about the projects service (imported by src/client.ts).
import type { Params } from '@feathersjs/feathers'
import type { ClientApplication } from '../../client'
import type { Project, ProjectData, ProjectPatch, ProjectQuery } from './projects.schema'
import type { ProjectService } from './projects.class'

export type { Project, ProjectData, ProjectPatch, ProjectQuery }

export type ProjectClientService = Pick<ProjectService<Params<ProjectQuery>>, (typeof projectMethods)[number]>

export const projectPath = 'projects'
export const projectMethods = ['find', 'get', 'create', 'patch', 'remove'] as const

export const projectClient = (client: ClientApplication) => {
  client.use(projectPath, client.get('connection').service(projectPath), { methods: projectMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [projectPath]: ProjectClientService
  }
}
