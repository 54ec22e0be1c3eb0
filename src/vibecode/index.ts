// Vibecode responses: every posted message is answered by the configured model provider, in the
// background (see jobs.ts). `app.vibecode` holds the queue.
import type { ApplicationConfiguration } from '../configuration'
import type { Application, HookContext } from '../declarations'
import { runWithApp } from '../jobs/lifecycle'
import type { Message } from '../services/messages/messages.schema'
import { VibecodeJobs } from './jobs'
import { selectProvider } from './providers'

export { VibecodeJobs }

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must repeat Feathers' type parameters
  interface Application<Services, Settings> {
    vibecode: VibecodeJobs
  }
}

/** One line for the start-up log: which provider answers, and plainly when it is the simulated one. */
export function describeProvider(jobs: VibecodeJobs) {
  const { name, model } = jobs.provider
  return name === 'simulated'
    ? 'vibecode provider: SIMULATED (no model configured; for development only - set ANTHROPIC_API_KEY, OPENAI_API_KEY or OPENAI_BASE_URL)'
    : `vibecode provider: ${name}, model ${model}`
}

export const vibecode = (settings: ApplicationConfiguration) => (app: Application) => {
  const provider = selectProvider(settings)
  const jobs = new VibecodeJobs(app, provider, {
    concurrency: settings.vibecodeConcurrency,
    queueMax: settings.vibecodeQueueMax,
    timeoutMs: settings.vibecodeTimeoutMs,
    log: (message) => console.warn(`[vibecode] ${message}`)
  })
  app.vibecode = jobs

  app.service('messages').hooks({
    before: { create: [() => jobs.assertCapacity()] },
    after: { create: [(context: HookContext) => jobs.enqueue(context.result as Message)] }
  })

  runWithApp(app, jobs)
}
