// Vibecode responses: every posted message is answered by the configured model provider, in the
// background (see jobs.ts). `app.vibecode` holds the queue.
import type { ApplicationConfiguration } from '../configuration'
import type { Application, HookContext } from '../declarations'
import { runWithApp } from '../jobs/lifecycle'
import { afterCommit } from '../transactions'
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
    log: (message) => app.logger.warn({ component: 'vibecode' }, message)
  })
  app.vibecode = jobs

  app.service('messages').hooks({
    before: { create: [() => jobs.assertCapacity()] },
    // Once the message is committed: the job reads and patches it in transactions of its own.
    after: { create: [(context: HookContext) => afterCommit(() => jobs.enqueue(context.result as Message))] }
  })

  runWithApp(app, jobs)
}
