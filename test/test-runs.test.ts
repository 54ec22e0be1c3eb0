// Test runs: a project's test command runs in its workspace as a child process; the project room
// gets test_started, test_output, test_result per TAP test case and test_completed, in that order.
// The workspace holds a small real test suite (test/fixtures/suite) run by `node --test`.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { connected, createProject, recordEvents, startTestServer, subscribe, until } from './helpers'
import type { TestServer } from './helpers'

const FIXTURES = path.join(__dirname, 'fixtures', 'suite')

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('test runs', () => {
  let server: TestServer
  let root: string

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-workspaces-'))
    server = await startTestServer({
      testWorkspaceRoot: root,
      testRunTimeoutMs: 3000,
      testCommandAllowlist: ['node']
    } as any)
  })
  afterEach(async () => {
    await server.stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  /** A project whose workspace holds the fixture suite and whose test command runs `file`. */
  async function projectRunning(file: string) {
    const project = await createProject(server, `tests: ${file}`)
    const patched = await server.http.patch(`/projects/${project.id}`, {
      test_command: ['node', '--test', '--test-reporter=tap', file]
    })
    assert.strictEqual(patched.status, 200, JSON.stringify(patched.data))
    fs.cpSync(FIXTURES, path.join(root, String(project.id)), { recursive: true })
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    return { project, socket, events: recordEvents(socket) }
  }

  async function startRun(projectId: number) {
    const response = await server.http.post(`/projects/${projectId}/test-runs`)
    assert.strictEqual(response.status, 201, JSON.stringify(response.data))
    assert.strictEqual(response.data.status, 'queued')
    return response.data
  }

  const completed = async (events: { event: string; payload: any }[], runId: number) => {
    await until(
      () => events.some((e) => e.event === 'test_completed' && e.payload.run_id === runId),
      'test_completed',
      15_000
    )
    return events.find((e) => e.event === 'test_completed')!.payload
  }

  const runEvents = (events: { event: string; payload: any }[]) =>
    events.filter((e) => ['test_started', 'test_output', 'test_result', 'test_completed'].includes(e.event))

  it('all passing: started -> results -> completed, and the record keeps the summary', async () => {
    const { project, events } = await projectRunning('passing.test.js')
    const run = await startRun(project.id)
    const done = await completed(events, run.id)
    assert.deepStrictEqual(
      {
        status: done.status,
        exit_code: done.exit_code,
        passed: done.passed,
        failed: done.failed,
        skipped: done.skipped
      },
      { status: 'passed', exit_code: 0, passed: 3, failed: 0, skipped: 1 }
    )

    const ordered = runEvents(events)
    assert.strictEqual(ordered[0].event, 'test_started')
    assert.deepStrictEqual(ordered[0].payload.command, ['node', '--test', '--test-reporter=tap', 'passing.test.js'])
    assert.strictEqual(ordered[ordered.length - 1].event, 'test_completed')
    const results = ordered
      .filter((e) => e.event === 'test_result')
      .map((e) => [e.payload.name, e.payload.ok, e.payload.skipped])
    assert.deepStrictEqual(results, [
      ['adds', true, false],
      ['concatenates', true, false],
      ['arrays > maps', true, false],
      ['not yet', true, true]
    ])
    // Logged events come in seq order.
    const seqs = ordered.filter((e) => typeof e.payload.seq === 'number').map((e) => e.payload.seq)
    assert.deepStrictEqual(
      seqs,
      [...seqs].sort((a, b) => a - b)
    )
    assert.ok(
      ordered.some(
        (e) => e.event === 'test_output' && e.payload.lines.some((line: string) => line.startsWith('TAP version'))
      )
    )

    const stored = (await server.http.get(`/test-runs/${run.id}`)).data
    assert.strictEqual(stored.status, 'passed')
    assert.deepStrictEqual([stored.passed, stored.failed, stored.skipped, stored.exit_code], [3, 0, 1, 0])
    assert.match(stored.output, /# pass 3/)
    assert.ok(stored.started_at && stored.finished_at)
    assert.strictEqual((await server.http.get(`/projects/${project.id}/test-runs`)).data.total, 1)
  })

  it('some failing: status failed with the counts, and a failed test_result', async () => {
    const { project, events } = await projectRunning('failing.test.js')
    const run = await startRun(project.id)
    const done = await completed(events, run.id)
    assert.strictEqual(done.status, 'failed')
    assert.strictEqual(done.exit_code, 1)
    assert.deepStrictEqual([done.passed, done.failed, done.skipped], [2, 1, 0])
    const failed = events.filter((e) => e.event === 'test_result' && !e.payload.ok).map((e) => e.payload.name)
    assert.deepStrictEqual(failed, ['subtracts wrongly'])
  })

  it('a hanging test times out and its whole process group is killed', async () => {
    const { project, events } = await projectRunning('hanging.test.js')
    const run = await startRun(project.id)
    const done = await completed(events, run.id)
    assert.strictEqual(done.status, 'timeout')
    assert.ok(done.duration_ms >= 3000 && done.duration_ms < 8000, `took ${done.duration_ms} ms`)
    const pid = Number(fs.readFileSync(path.join(root, String(project.id), 'grandchild.pid'), 'utf8'))
    await until(() => !isAlive(pid), 'the grandchild is gone', 5000)
    assert.strictEqual((await server.http.get(`/test-runs/${run.id}`)).data.status, 'timeout')
  })

  it('DELETE /test-runs/:id cancels a running run', async () => {
    // A generous deadline, so only the cancel can end this run.
    await server.stop()
    server = await startTestServer({
      testWorkspaceRoot: root,
      testRunTimeoutMs: 60_000,
      testCommandAllowlist: ['node']
    } as any)
    const { project, events } = await projectRunning('hanging.test.js')
    const run = await startRun(project.id)
    const grandchild = path.join(root, String(project.id), 'grandchild.pid')
    await until(
      () => fs.existsSync(grandchild) && fs.readFileSync(grandchild, 'utf8').length > 0,
      'the test is hanging'
    )
    const response = await server.http.delete(`/test-runs/${run.id}`)
    assert.strictEqual(response.status, 200)
    assert.strictEqual(response.data.status, 'cancelled')
    const done = await completed(events, run.id)
    assert.strictEqual(done.status, 'cancelled')
    assert.ok(done.duration_ms < 15_000)
    await until(() => !isAlive(Number(fs.readFileSync(grandchild, 'utf8'))), 'the grandchild is gone', 5000)
    // The record stays, as history; no `test-runs removed` event.
    assert.strictEqual((await server.http.get(`/test-runs/${run.id}`)).data.status, 'cancelled')
    assert.ok(!events.some((e) => e.event === 'test-runs removed'))
  })

  it('a command outside the allowlist gets a clear 400 and no run', async () => {
    const project = await createProject(server)
    for (const command of [
      ['bash', '-c', 'echo hi'],
      ['/usr/bin/node', '--test']
    ]) {
      await server.http.patch(`/projects/${project.id}`, { test_command: command })
      const response = await server.http.post(`/projects/${project.id}/test-runs`)
      assert.strictEqual(response.status, 400)
      assert.match(response.data.message, new RegExp(`The executable '${command[0]}' is not allowed; allowed: node`))
    }
    assert.strictEqual((await server.http.get(`/projects/${project.id}/test-runs`)).data.total, 0)
  })

  it('refuses bad test commands and runs of projects without one', async () => {
    const project = await createProject(server)
    const noCommand = await server.http.post(`/projects/${project.id}/test-runs`)
    assert.strictEqual(noCommand.status, 400)
    assert.match(noCommand.data.message, /has no test_command/)
    for (const test_command of ['node --test', [], [''], [1], 'x'.repeat(10)]) {
      const response = await server.http.patch(`/projects/${project.id}`, { test_command })
      assert.strictEqual(response.status, 400, JSON.stringify(test_command))
      assert.match(response.data.message, /test_command/)
    }
    assert.strictEqual((await server.http.post('/projects/999999/test-runs')).status, 404)
  })

  it('batches output lines and caps what it keeps', async () => {
    const capped = await startTestServer({
      testWorkspaceRoot: root,
      testRunOutputMaxBytes: 64 * 1024,
      testCommandAllowlist: ['node']
    } as any)
    try {
      const project = await createProject(capped)
      await capped.http.patch(`/projects/${project.id}`, {
        test_command: ['node', '--test', '--test-reporter=tap', 'noisy.test.js']
      })
      fs.cpSync(FIXTURES, path.join(root, String(project.id)), { recursive: true })
      const socket = await connected(capped.socket())
      await subscribe(socket, project.id)
      const events = recordEvents(socket)
      const run = (await capped.http.post(`/projects/${project.id}/test-runs`)).data
      const done = await completed(events, run.id)
      assert.strictEqual(done.status, 'passed')
      const outputs = events.filter((e) => e.event === 'test_output')
      const lines = outputs.flatMap((e) => e.payload.lines)
      // 3,000 lines of ~70 bytes: the 64 KB cap keeps under a thousand, in a handful of events.
      assert.ok(lines.length > 100 && lines.length < 1000, `${lines.length} lines`)
      assert.ok(outputs.length < lines.length / 10, `${outputs.length} events for ${lines.length} lines`)
      const stored = (await capped.http.get(`/test-runs/${run.id}`)).data
      assert.strictEqual(stored.output_truncated, true)
      assert.ok(Buffer.byteLength(stored.output) <= 64 * 1024)
    } finally {
      await capped.stop()
    }
  })

  it('the test process gets a clean environment', async () => {
    process.env.VIBECODE_SECRET_FOR_TEST = 'must-not-leak'
    try {
      const project = await createProject(server)
      fs.mkdirSync(path.join(root, String(project.id)), { recursive: true })
      await server.http.patch(`/projects/${project.id}`, {
        test_command: ['node', '-e', 'console.log(JSON.stringify(Object.keys(process.env).sort()))']
      })
      const run = (await server.http.post(`/projects/${project.id}/test-runs`)).data
      // One read per check: two reads could see 'queued' then 'running' and stop too early.
      await until(
        async () => !['queued', 'running'].includes((await server.http.get(`/test-runs/${run.id}`)).data.status),
        'finished'
      )
      const stored = (await server.http.get(`/test-runs/${run.id}`)).data
      const keys = JSON.parse(stored.output.trim())
      assert.ok(!keys.includes('VIBECODE_SECRET_FOR_TEST'))
      assert.ok(keys.includes('PATH'))
      // No TAP output: no test results, and exit 0 counts as passed.
      assert.strictEqual(stored.status, 'passed')
    } finally {
      delete process.env.VIBECODE_SECRET_FOR_TEST
    }
  })

  it('runs left running by a previous process are marked error at start-up', async () => {
    const project = await createProject(server)
    const db = server.app.get('dbClient')
    const [row] = await db('test_runs')
      .insert({ project_id: project.id, command: '["node"]', status: 'running', created_at: new Date().toISOString() })
      .returning('id')
    const id = typeof row === 'object' ? row.id : row
    await server.app.testRuns.recover()
    const stored = (await server.http.get(`/test-runs/${id}`)).data
    assert.strictEqual(stored.status, 'error')
    assert.match(stored.error, /interrupted/)
  })
})
