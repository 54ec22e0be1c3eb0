// How background work ended, read from the records it writes (the services' `patched` events on
// this instance): model answers by provider and outcome with their token usage, provider failures,
// test-run outcomes. The producers (src/vibecode, src/testruns) need no metrics code of their own.
// Only the final states count, once each: an answer's `completed`/`failed`, a run's end status.
import type { Application } from '../declarations'
import type { Message } from '../services/messages/messages.schema'
import type { TestRun } from '../services/test-runs/test-runs.schema'

const RUN_ENDS = new Set(['passed', 'failed', 'error', 'timeout', 'cancelled'])

function answered(app: Application, message: Message) {
  if (message.status !== 'completed' && message.status !== 'failed') return
  const provider = message.provider ?? app.vibecode?.provider.name ?? 'unknown'
  const fields = {
    message_id: message.id,
    project_id: message.project_id,
    provider,
    model: message.model,
    duration_ms: message.duration_ms
  }
  if (message.status === 'completed') {
    app.metrics.answers.inc({ provider, outcome: 'completed' })
    const usage = message.token_usage
    if (usage) {
      app.metrics.tokens.inc({ provider, kind: 'input' }, usage.input_tokens)
      app.metrics.tokens.inc({ provider, kind: 'output' }, usage.output_tokens)
    }
    app.logger.info({ ...fields, token_usage: usage }, 'answer completed')
    return
  }
  const code = message.error?.code ?? 'internal'
  app.metrics.answers.inc({ provider, outcome: code })
  app.logger.warn({ ...fields, code, error: message.error?.message }, `answer failed: ${code}`)
}

function runEnded(app: Application, run: TestRun) {
  if (!RUN_ENDS.has(run.status)) return
  app.metrics.testRuns.inc({ status: run.status })
  const { id, project_id, status, exit_code, passed, failed, skipped, duration_ms, error } = run
  const level = status === 'error' ? 'warn' : 'info'
  app.logger[level](
    { run_id: id, project_id, status, exit_code, passed, failed, skipped, duration_ms, error },
    `test run ${status}`
  )
}

export function observeOutcomes(app: Application) {
  app.service('messages').on('patched', (message: Message) => answered(app, message))
  app.service('test-runs').on('patched', (run: TestRun) => runEnded(app, run))
}
