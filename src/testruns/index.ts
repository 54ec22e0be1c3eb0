// Test runs of a project's test command: a bounded queue (TEST_RUN_CONCURRENCY at once), each run
// a child process (process.ts) whose progress goes to the project room: test_started,
// test_output (volatile, batched), test_result per TAP test case, test_completed. The run record
// keeps status and summary.
import { retryUntilDone } from '../jobs/retry'
import path from 'path'
import { BadRequest, Unavailable } from '@feathersjs/errors'
import type { ApplicationConfiguration } from '../configuration'
import type { Application } from '../declarations'
import type { TestRun } from '../services/test-runs/test-runs.schema'
import { BoundedJobQueue } from '../jobs/bounded-queue'
import { runWithApp } from '../jobs/lifecycle'
import { Throttle } from '../jobs/throttle'
import { NO_MARK, OrphanLedger } from './orphans'
import { runTestProcess } from './process'
import { recoverRuns } from './recovery'
import { sandboxChoice } from './sandbox'
import type { SandboxChoice } from './sandbox'
import type { RunSummary } from './process'

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must repeat Feathers' type parameters
  interface Application<Services, Settings> {
    testRuns: TestRunManager
  }
}

export interface TestRunOptions {
  workspaceRoot: string
  allowlist: string[]
  timeoutMs: number
  outputMaxBytes: number
  concurrency: number
  /** Where commands run (sandbox.ts); `unavailable`: test runs answer 503 with the reason. */
  sandbox?: SandboxChoice
}

const OUTPUT_BATCH_MS = 100
const MAX_LINES_PER_EVENT = 500

// The summary of a run cancelled before it started: nothing ran.
const NOT_RUN = {
  exit_code: null,
  passed: 0,
  failed: 0,
  skipped: 0,
  duration_ms: 0,
  output: '',
  output_truncated: false,
  error: null
}

/** How long a run's end is retried while the database refuses it. */
const FINAL_STATE_BUDGET_MS = 5 * 60_000

export class TestRunManager {
  /** Set at shutdown: final states are then written once, not retried. */
  private stopping = false

  readonly queue: BoundedJobQueue<TestRun>
  /** Unsandboxed runs' marks, so a start after a crash can kill what they left (orphans.ts). */
  private readonly orphans: OrphanLedger

  constructor(
    private readonly app: Application,
    readonly options: TestRunOptions
  ) {
    this.queue = new BoundedJobQueue<TestRun>({
      concurrency: options.concurrency,
      run: (run, signal) => this.execute(run, signal),
      onError: (run, error) => app.logger.error({ err: error, run_id: run.id }, 'test run failed to settle')
    })
    this.orphans = new OrphanLedger(path.resolve(options.workspaceRoot, '.runs'))
  }

  /** The project's own workspace under the configured root. */
  workspaceOf(projectId: number) {
    return path.resolve(this.options.workspaceRoot, String(projectId))
  }

  /** Checks the project's command, stores a queued run, and queues it. */
  async start(projectId: number): Promise<TestRun> {
    const project = await this.app.service('projects').get(projectId)
    const command = project.test_command
    if (!command) {
      throw new BadRequest(
        `Project ${projectId} has no test_command: PATCH /projects/${projectId} {"test_command": ["node", "--test"]}`
      )
    }
    const executable = command[0]
    if (executable.includes('/') || !this.options.allowlist.includes(executable)) {
      throw new BadRequest(
        `The executable '${executable}' is not allowed; allowed: ${this.options.allowlist.join(', ')}`,
        {
          allowed: this.options.allowlist
        }
      )
    }
    const sandbox = this.options.sandbox
    if (sandbox?.mode === 'unavailable') throw new Unavailable(sandbox.reason)
    const run = await this.app.service('test-runs').create({ project_id: projectId, command })
    this.queue.enqueue(run)
    return run
  }

  /** Stops a queued or running run; it ends `cancelled`. */
  async cancel(runId: number) {
    const queued = this.queue.removeWaiting((run) => run.id === runId)
    if (queued) {
      await this.finish(queued, { ...NOT_RUN, status: 'cancelled' })
      return
    }
    // Waits until this run's process is gone and its record says so (other runs go on).
    await this.queue.abortRunning((run) => run.id === runId)
  }

  /** At start-up: runs a previous process left queued or running end `error`, announced (recovery.ts). */
  async recover() {
    await recoverRuns(this.app, this.orphans, (line) => this.app.logger.warn({ component: 'test-runs' }, line))
  }

  /** At shutdown: running runs are killed (they end `cancelled`), queued ones are cancelled. */
  async stop() {
    this.stopping = true
    const waiting = await this.queue.stop()
    for (const run of waiting) {
      await this.app
        .service('test-runs')
        .patch(run.id, { status: 'cancelled', error: 'the server shut down', finished_at: new Date().toISOString() })
    }
  }

  private async execute(run: TestRun, signal: AbortSignal) {
    const { realtime } = this.app
    const projectId = run.project_id
    const startedAt = new Date().toISOString()
    await this.app.service('test-runs').patch(run.id, { status: 'running', started_at: startedAt })

    // Output lines, batched per stream: at most one event per stream every 100 ms.
    const pending = { stdout: [] as string[], stderr: [] as string[] }
    const flushers = {
      stdout: new Throttle<true>(OUTPUT_BATCH_MS, () => flush('stdout')),
      stderr: new Throttle<true>(OUTPUT_BATCH_MS, () => flush('stderr'))
    }
    const flush = (stream: 'stdout' | 'stderr') => {
      while (pending[stream].length > 0) {
        const lines = pending[stream].splice(0, MAX_LINES_PER_EVENT)
        void realtime.publish(projectId, 'test_output', { run_id: run.id, stream, lines })
      }
    }
    // Results are published in order, each after the one before it was logged.
    let results = Promise.resolve()

    // Under bwrap nothing outlives the server; a plain child carries its orphan mark.
    const mark = this.options.sandbox?.mode === 'bwrap' ? NO_MARK : this.orphans.open(run.id)
    const summary = await runTestProcess({
      command: run.command,
      cwd: this.workspaceOf(projectId),
      timeoutMs: this.options.timeoutMs,
      outputMaxBytes: this.options.outputMaxBytes,
      sandbox: this.options.sandbox?.mode === 'unavailable' ? undefined : this.options.sandbox,
      environment: mark.env,
      signal,
      onStarted: () => {
        void realtime.publish(projectId, 'test_started', {
          run_id: run.id,
          command: run.command,
          started_at: startedAt
        })
      },
      onLines: (stream, lines) => {
        pending[stream].push(...lines)
        flushers[stream].push(true)
      },
      onCase: (result) => {
        results = results.then(() =>
          realtime
            .publish(projectId, 'test_result', {
              run_id: run.id,
              name: result.name,
              ok: result.ok,
              skipped: result.skipped
            })
            .then(() => undefined)
        )
      }
    })
    mark.release()
    flushers.stdout.cancel()
    flushers.stderr.cancel()
    flush('stdout')
    flush('stderr')
    await results
    await this.finish(run, summary)
  }

  /**
   * Stores a run's end and announces it. While the database refuses the write it is tried again
   * (not at shutdown: the next start's recovery marks the run then), so no run stays `running`.
   */
  private async finish(run: TestRun, summary: RunSummary) {
    const ended = { ...summary, finished_at: new Date().toISOString() }
    await retryUntilDone(() => this.app.service('test-runs').patch(run.id, ended), {
      budgetMs: this.stopping ? 0 : FINAL_STATE_BUDGET_MS,
      onRetry: (error, attempt) =>
        this.app.logger.warn(
          { err: error, run_id: run.id, attempt },
          'the end of a test run was not stored; trying again'
        )
    })
    await this.app.realtime.publish(run.project_id, 'test_completed', {
      run_id: run.id,
      status: summary.status,
      exit_code: summary.exit_code,
      passed: summary.passed,
      failed: summary.failed,
      skipped: summary.skipped,
      duration_ms: summary.duration_ms
    })
  }
}

export const testRunner = (settings: ApplicationConfiguration) => (app: Application) => {
  const manager = new TestRunManager(app, {
    workspaceRoot: settings.testWorkspaceRoot,
    allowlist: settings.testCommandAllowlist,
    timeoutMs: settings.testRunTimeoutMs,
    outputMaxBytes: settings.testRunOutputMaxBytes,
    concurrency: settings.testRunConcurrency,
    sandbox: sandboxChoice(settings.testSandbox, settings.auth === 'required', (line) =>
      app.logger.warn({ component: 'test-runs' }, line)
    )
  })
  app.testRuns = manager
  runWithApp(app, manager)
}
