import type { Application } from '../declarations'
import { messages } from './messages/messages'
import { projects } from './projects/projects'
import { sessions } from './sessions/sessions'
import { testRuns } from './test-runs/test-runs'

export const services = (app: Application) => {
  app.configure(projects)
  app.configure(sessions)
  app.configure(messages)
  app.configure(testRuns)
}
