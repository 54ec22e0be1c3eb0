import type { Application } from '../declarations'
import { messages } from './messages/messages'
import { projects } from './projects/projects'
import { sessions } from './sessions/sessions'

export const services = (app: Application) => {
  app.configure(projects)
  app.configure(sessions)
  app.configure(messages)
}
