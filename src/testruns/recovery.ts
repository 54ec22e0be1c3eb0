// What a start-up does about the test runs a previous process left unfinished (issue 8 item 6).
// A run cut off by a crash or a kill is still `queued` or `running` in the database, and nobody
// ever told its room how it ended. Once the server is back (after the migrations, before the
// port opens): the processes such runs left behind are killed (orphans.ts), each run is marked
// `error` and its room gets the `test_completed` (status "error") it never had, so a client
// showing the run as running learns it ended, live or by resuming with `since`.
import type { Application } from '../declarations'
import type { TestRun } from '../services/test-runs/test-runs.schema'
import type { OrphanLedger } from './orphans'

export const INTERRUPTED = 'interrupted: the server restarted during this run'

export async function recoverRuns(app: Application, orphans: OrphanLedger, log: (line: string) => void) {
  const killed = orphans.reap()
  if (killed.length > 0) log(`killed ${killed.length} process(es) left by test runs of a server that died`)
  const stuck = (await app
    .service('test-runs')
    .find({ query: { status: { $in: ['queued', 'running'] } }, paginate: false })) as TestRun[]
  for (const run of stuck) {
    const finishedAt = new Date().toISOString()
    const ended = await app.service('test-runs').patch(run.id, {
      status: 'error',
      error: INTERRUPTED,
      finished_at: finishedAt
    })
    const started = run.started_at ? Date.parse(run.started_at) : NaN
    await app.realtime.publish(run.project_id, 'test_completed', {
      run_id: run.id,
      status: 'error',
      exit_code: null,
      passed: ended.passed ?? 0,
      failed: ended.failed ?? 0,
      skipped: ended.skipped ?? 0,
      duration_ms: ended.duration_ms ?? (Number.isNaN(started) ? 0 : Math.max(0, Date.parse(finishedAt) - started))
    })
  }
  if (stuck.length > 0) log(`marked ${stuck.length} interrupted test run(s) error`)
}
