// What the client needs to know about the users service (for src/client.ts to register).
import type { ClientService, Paginated, Params } from '@feathersjs/feathers'
import type { ClientApplication } from '../../client'
import type { User, UserData, UserPatch, UserQuery } from './users.schema'

export type { User, UserData, UserPatch, UserQuery }

export type UserClientService = Pick<
  ClientService<User, UserData, UserPatch, Paginated<User>, Params<UserQuery>>,
  (typeof userMethods)[number]
>

export const userPath = 'users'
// No `remove`: an account owns projects; deleting one is an operator's job, not an API call.
export const userMethods = ['find', 'get', 'create', 'patch'] as const

export const userClient = (client: ClientApplication) => {
  client.use(userPath, client.get('connection').service(userPath), { methods: userMethods })
}

declare module '../../client' {
  interface ServiceTypes {
    [userPath]: UserClientService
  }
}
