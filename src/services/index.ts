import type { Application } from '../declarations'
import { members } from './members/members'
import { presence } from './presence/presence'
import { messages } from './messages/messages'
import { projects } from './projects/projects'
import { sessions } from './sessions/sessions'
import { testRuns } from './test-runs/test-runs'
import { users } from './users/users'

export const services = (app: Application) => {
  app.configure(projects)
  app.configure(sessions)
  app.configure(messages)
  app.configure(testRuns)
  app.configure(users)
  app.configure(members)
  app.configure(presence)
}
