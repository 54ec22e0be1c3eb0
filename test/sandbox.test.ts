// Test runs under the bwrap sandbox (src/testruns/sandbox.ts), against the real app: a test command
// that tries every way out it can think of (the server's database, data directory, environment and
// cwd through /proc, its port, PostgreSQL, Redis, another project's workspace, signalling the
// server, a daemon left behind, writes outside its workspace) gets none of them, while a real test
// suite still runs and passes; timeouts, cancels and a crash of the server leave no process behind;
// without bwrap, TEST_SANDBOX=bwrap answers 503 and stores nothing.
// Skipped only where bwrap is not installed and CI is not set.
import assert from 'assert'
import { spawn } from 'child_process'
import crypto from 'crypto'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { findBwrap } from '../src/testruns/sandbox'
import { createProject, startTestServer, until } from './helpers'
import type { TestServer } from './helpers'

const FIXTURES = path.join(__dirname, 'fixtures', 'suite')
const ROOT = path.join(__dirname, '..')

/** Host processes whose command line contains `marker` (zombies have none). */
function hostProcessesWith(marker: string): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}

const newMarker = () => `vibecode-sandbox-${crypto.randomBytes(6).toString('hex')}`

// Each attempt reports {ok: true, value} when the operation succeeded, {ok: false, error} when not.
const ESCAPE_SCRIPT = String.raw`
const fs = require('fs')
const net = require('net')
const path = require('path')
const { spawn } = require('child_process')
const p = JSON.parse(process.argv[2])
const results = {}
const attempt = async (name, operation) => {
  try {
    const value = await operation()
    results[name] = { ok: true, value: String(value).slice(0, 2000) }
  } catch (error) {
    results[name] = { ok: false, error: error.code || error.message }
  }
}
const connect = (host, port) =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host, port })
    socket.setTimeout(2000, () => socket.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })))
    socket.on('connect', () => { socket.destroy(); resolve('connected to ' + host + ':' + port) })
    socket.on('error', reject)
  })
const write = (file) => { fs.writeFileSync(file, 'escaped'); return 'wrote ' + file }
;(async () => {
  await attempt('read the database by its path', () => fs.readFileSync(p.dbFile).length + ' bytes')
  await attempt('read the database at ../../', () => fs.readFileSync('../../vibecode.sqlite').length + ' bytes')
  await attempt('read a secret in the data directory', () => fs.readFileSync(p.secretFile, 'utf8'))
  await attempt('list the data directory', () => fs.readdirSync(p.dataDir).join(','))
  await attempt('read /proc/1/environ', () => fs.readFileSync('/proc/1/environ', 'utf8'))
  await attempt('read the parent environ', () => fs.readFileSync('/proc/' + process.ppid + '/environ', 'utf8'))
  await attempt("read the server's /proc environ", () => fs.readFileSync('/proc/' + p.serverPid + '/environ', 'utf8'))
  await attempt("read the server's /proc cwd", () => fs.readlinkSync('/proc/' + p.serverPid + '/cwd'))
  await attempt("list the server's cwd", () => fs.readdirSync(p.serverCwd).join(','))
  await attempt('list /root', () => fs.readdirSync('/root').join(','))
  await attempt("connect to the server's port", () => connect('127.0.0.1', p.serverPort))
  await attempt('connect to PostgreSQL', () => connect('127.0.0.1', 5432))
  await attempt('connect to Redis', () => connect('127.0.0.1', 6379))
  await attempt('connect to the internet', () => connect('1.1.1.1', 443))
  await attempt("read another project's workspace by its path", () => fs.readFileSync(path.join(p.otherWorkspace, 'secret.txt'), 'utf8'))
  await attempt("read another project's workspace at ../", () => fs.readFileSync('../' + p.otherId + '/secret.txt', 'utf8'))
  await attempt('signal the server', () => { process.kill(p.serverPid, 0); process.kill(p.serverPid, 'SIGCONT'); return 'signalled ' + p.serverPid })
  await attempt('write /usr', () => write('/usr/' + p.marker))
  await attempt('write next to the workspace (../)', () => write('../' + p.marker))
  await attempt('write the data directory', () => write(path.join(p.dataDir, p.marker)))
  await attempt("write the host's /tmp", () => write(p.hostTmpFile))
  await attempt('leave a daemon behind', async () => {
    const sleeper = spawn('sleep', [p.sleepSeconds], { detached: true, stdio: 'ignore' })
    const looper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', p.marker + '-daemon'], { detached: true, stdio: 'ignore' })
    sleeper.unref()
    looper.unref()
    await new Promise((resolve) => setTimeout(resolve, 300))
    process.kill(sleeper.pid, 0)
    process.kill(looper.pid, 0)
    return 'started ' + sleeper.pid + ' and ' + looper.pid
  })
  console.log('ESCAPE-RESULTS ' + JSON.stringify({ uid: process.getuid(), gid: process.getgid(), env: process.env, results }))
  process.exit(0)
})()
`

// The attempts that must fail inside the sandbox. Writing /tmp succeeds inside (a private tmpfs):
// that one is checked on the host.
const MUST_FAIL = [
  'read the database by its path',
  'read the database at ../../',
  'read a secret in the data directory',
  'list the data directory',
  "read the server's /proc environ",
  "read the server's /proc cwd",
  "list the server's cwd",
  'list /root',
  "connect to the server's port",
  'connect to PostgreSQL',
  'connect to Redis',
  'connect to the internet',
  "read another project's workspace by its path",
  "read another project's workspace at ../",
  'signal the server',
  'write /usr',
  'write next to the workspace (../)',
  'write the data directory'
]

const BWRAP = findBwrap()
const describeSandbox = BWRAP || process.env.CI ? describe : describe.skip

describeSandbox('test runs in the bwrap sandbox', function () {
  this.timeout(60_000)
  let dataDir: string
  let workspaces: string
  let server: TestServer | undefined
  const markers: string[] = []
  const hostFiles: string[] = []
  const secret = `server-secret-${crypto.randomBytes(8).toString('hex')}`

  /** The server as deployed: a file database and the workspaces in one data directory. */
  async function start(overrides: Record<string, unknown> = {}) {
    server = await startTestServer({
      database: `sqlite:${path.join(dataDir, 'vibecode.sqlite')}`,
      testWorkspaceRoot: workspaces,
      testSandbox: 'bwrap',
      testCommandAllowlist: ['node'],
      testRunTimeoutMs: 30_000,
      ...overrides
    } as any)
    return server
  }

  async function projectWith(command: string[], files: Record<string, string> = {}) {
    const project = await createProject(server!, `sandbox: ${command.join(' ').slice(0, 40)}`)
    const patched = await server!.http.patch(`/projects/${project.id}`, { test_command: command })
    assert.strictEqual(patched.status, 200, JSON.stringify(patched.data))
    const workspace = path.join(workspaces, String(project.id))
    fs.mkdirSync(workspace, { recursive: true })
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(workspace, name), content)
    return { id: project.id, workspace }
  }

  async function startRun(projectId: number) {
    const response = await server!.http.post(`/projects/${projectId}/test-runs`)
    assert.strictEqual(response.status, 201, JSON.stringify(response.data))
    return response.data as { id: number }
  }

  async function finished(runId: number, timeoutMs = 30_000) {
    let stored: any
    await until(
      async () => {
        stored = (await server!.http.get(`/test-runs/${runId}`)).data
        return !['queued', 'running'].includes(stored.status)
      },
      `run ${runId} finished`,
      timeoutMs
    )
    return stored
  }

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-sandbox-data-'))
    workspaces = path.join(dataDir, 'workspaces')
    fs.mkdirSync(workspaces)
    fs.writeFileSync(path.join(dataDir, 'secret.txt'), secret)
    // The server runs in this process: its environment is ours.
    process.env.VIBECODE_SANDBOX_SECRET = secret
  })

  afterEach(async () => {
    delete process.env.VIBECODE_SANDBOX_SECRET
    await server?.stop()
    server = undefined
    // Should a sandbox have failed: nothing of it stays behind.
    for (const marker of markers.splice(0)) {
      for (const pid of hostProcessesWith(marker)) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone.
        }
      }
    }
    for (const file of hostFiles.splice(0)) fs.rmSync(file, { force: true })
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it('every way out fails, and the server is none the worse', async () => {
    await start()
    const marker = newMarker()
    markers.push(marker)
    // A sleep whose argument carries the marker: `sleep 600.<digits>`.
    const sleepSeconds = `600.${parseInt(marker.slice(-12), 16)}`
    markers.push(`sleep\0${sleepSeconds}`)
    const hostTmpFile = path.join(os.tmpdir(), `${marker}.escaped`)
    hostFiles.push(hostTmpFile, path.join('/usr', marker))

    const other = await projectWith(['node', '--test'], { 'secret.txt': `other project's ${secret}` })
    const attacker = await projectWith(['node', 'escape.js'], { 'escape.js': ESCAPE_SCRIPT })
    const params = {
      dbFile: path.join(dataDir, 'vibecode.sqlite'),
      secretFile: path.join(dataDir, 'secret.txt'),
      dataDir,
      serverPid: process.pid,
      serverCwd: process.cwd(),
      serverPort: server!.port,
      otherWorkspace: other.workspace,
      otherId: other.id,
      marker,
      sleepSeconds,
      hostTmpFile
    }
    await server!.http.patch(`/projects/${attacker.id}`, {
      test_command: ['node', 'escape.js', JSON.stringify(params)]
    })
    assert.ok(fs.statSync(params.dbFile).size > 0, 'the database file exists on the host')

    const run = await startRun(attacker.id)
    const stored = await finished(run.id)
    const line = (stored.output as string).split('\n').find((l) => l.startsWith('ESCAPE-RESULTS '))
    assert.ok(line, `no results; status ${stored.status}, error ${stored.error}, output:\n${stored.output}`)
    const report = JSON.parse(line.slice('ESCAPE-RESULTS '.length))
    // For the record (the report of this suite quotes it).
    if (process.env.SANDBOX_TEST_VERBOSE) console.log(JSON.stringify(report, null, 2))

    const escaped = MUST_FAIL.filter((name) => report.results[name]?.ok !== false).map(
      (name) => `${name}: ${JSON.stringify(report.results[name])}`
    )
    assert.deepStrictEqual(escaped, [], 'attempts that got through')
    // /proc/1 and the parent are the sandbox's own init, bwrap: unreadable, or holding nothing of
    // the server's environment.
    for (const name of ['read /proc/1/environ', 'read the parent environ']) {
      const result = report.results[name]
      if (result.ok) {
        assert.ok(
          !result.value.includes(secret) && !result.value.includes('VIBECODE_SANDBOX_SECRET'),
          `${name}: ${result.value}`
        )
        assert.deepStrictEqual(result.value.split('\0').filter(Boolean), ['PATH=/usr/bin:/bin'], name)
      }
    }
    assert.ok(!(stored.output as string).includes(secret), 'the secret never shows in the output')
    // Its own identity and environment.
    assert.deepStrictEqual([report.uid, report.gid], [65534, 65534])
    // (PWD: bwrap's --chdir sets it.)
    assert.deepStrictEqual(Object.keys(report.env).sort(), ['CI', 'HOME', 'LANG', 'NO_COLOR', 'PATH', 'PWD', 'TMPDIR'])
    assert.strictEqual(report.env.PWD, '/workspace')
    assert.strictEqual(report.env.PATH, '/usr/local/bin:/usr/bin:/bin')

    // On the host: the daemons did start, in there, and did not outlive the run.
    assert.strictEqual(
      report.results['leave a daemon behind'].ok,
      true,
      JSON.stringify(report.results['leave a daemon behind'])
    )
    await until(
      () => hostProcessesWith(marker).length === 0 && hostProcessesWith(`sleep\0${sleepSeconds}`).length === 0,
      'no process of the run is left',
      5000
    )
    // Writing /tmp went to its private /tmp; nothing was written outside the workspace.
    assert.strictEqual(report.results["write the host's /tmp"].ok, true)
    for (const file of [
      hostTmpFile,
      path.join('/usr', marker),
      path.join(workspaces, marker),
      path.join(dataDir, marker)
    ]) {
      assert.ok(!fs.existsSync(file), `${file} exists on the host`)
    }
    assert.strictEqual(fs.readFileSync(path.join(other.workspace, 'secret.txt'), 'utf8'), `other project's ${secret}`)
    // The server still serves.
    assert.strictEqual((await server!.http.get(`/projects/${attacker.id}`)).status, 200)
    assert.strictEqual(stored.status, 'passed', stored.error ?? '')
  })

  it('a real test suite runs and passes, and writes its workspace', async () => {
    await start()
    const project = await projectWith(['node', '--test', '--test-reporter=tap', 'passing.test.js', 'writes.test.js'], {
      'writes.test.js': [
        "const test = require('node:test')",
        "const fs = require('node:fs')",
        "test('writes its workspace', () => fs.writeFileSync('made-inside.txt', String(process.getuid())))",
        "test('has a private /tmp', () => fs.writeFileSync('/tmp/scratch', 'x'))",
        ''
      ].join('\n')
    })
    fs.cpSync(FIXTURES, project.workspace, { recursive: true })
    const run = await startRun(project.id)
    const stored = await finished(run.id)
    assert.strictEqual(stored.status, 'passed', `${stored.error}\n${stored.output}`)
    assert.deepStrictEqual([stored.passed, stored.failed, stored.skipped, stored.exit_code], [5, 0, 1, 0])
    assert.strictEqual(fs.readFileSync(path.join(project.workspace, 'made-inside.txt'), 'utf8'), '65534')
  })

  it('a failing suite still fails', async () => {
    await start()
    const project = await projectWith(['node', '--test', '--test-reporter=tap', 'failing.test.js'])
    fs.cpSync(FIXTURES, project.workspace, { recursive: true })
    const stored = await finished((await startRun(project.id)).id)
    assert.strictEqual(stored.status, 'failed')
    assert.deepStrictEqual([stored.passed, stored.failed], [2, 1])
  })

  // A command that hangs and starts a grandchild carrying the marker in its argv.
  const HANG_SCRIPT = [
    "const { spawn } = require('child_process')",
    "spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[2] + '-grandchild'], { detached: true, stdio: 'ignore' }).unref()",
    "console.log('hanging')",
    'setInterval(() => {}, 1000)',
    ''
  ].join('\n')

  it('a timeout kills the whole sandbox', async () => {
    await start({ testRunTimeoutMs: 2000 })
    const marker = newMarker()
    markers.push(marker)
    const project = await projectWith(['node', 'hang.js', marker], { 'hang.js': HANG_SCRIPT })
    const run = await startRun(project.id)
    await until(() => hostProcessesWith(`${marker}-grandchild`).length > 0, 'the grandchild runs', 10_000)
    const stored = await finished(run.id)
    assert.strictEqual(stored.status, 'timeout')
    await until(() => hostProcessesWith(marker).length === 0, 'nothing of the run is left', 5000)
  })

  it('a cancel kills the whole sandbox', async () => {
    await start()
    const marker = newMarker()
    markers.push(marker)
    const project = await projectWith(['node', 'hang.js', marker], { 'hang.js': HANG_SCRIPT })
    const run = await startRun(project.id)
    await until(() => hostProcessesWith(`${marker}-grandchild`).length > 0, 'the grandchild runs', 10_000)
    const response = await server!.http.delete(`/test-runs/${run.id}`)
    assert.strictEqual(response.status, 200)
    assert.strictEqual((await finished(run.id)).status, 'cancelled')
    await until(() => hostProcessesWith(marker).length === 0, 'nothing of the run is left', 5000)
  })

  it('a crash of the server takes the sandbox with it', async () => {
    const marker = newMarker()
    markers.push(marker)
    const workspace = path.join(workspaces, 'crash')
    fs.mkdirSync(workspace)
    fs.writeFileSync(path.join(workspace, 'hang.js'), HANG_SCRIPT)
    // A server process of its own, running one sandboxed command, killed with SIGKILL mid-run.
    const code = `
      const { runTestProcess } = require(${JSON.stringify(path.join(ROOT, 'src/testruns/process'))})
      const { findBwrap } = require(${JSON.stringify(path.join(ROOT, 'src/testruns/sandbox'))})
      runTestProcess({
        command: ['node', 'hang.js', ${JSON.stringify(marker)}], cwd: ${JSON.stringify(workspace)}, timeoutMs: 60000, outputMaxBytes: 65536,
        signal: new AbortController().signal, onStarted() {}, onLines() {}, onCase() {}, sandbox: { mode: 'bwrap', bwrap: findBwrap() }
      })
      setInterval(() => {}, 1000)
    `
    const crashing = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', code], {
      cwd: ROOT,
      stdio: 'ignore'
    })
    try {
      await until(() => hostProcessesWith(`${marker}-grandchild`).length > 0, 'the grandchild runs', 20_000)
    } finally {
      crashing.kill('SIGKILL')
    }
    await until(() => hostProcessesWith(marker).length === 0, 'nothing of the run is left', 5000)
  })

  it('TEST_SANDBOX=bwrap without bwrap: 503 with the reason, nothing stored', async () => {
    const saved = process.env.PATH
    process.env.PATH = '/nonexistent'
    let started: Promise<TestServer>
    try {
      // createApp resolves the sandbox synchronously, before startTestServer's first await.
      started = start()
    } finally {
      process.env.PATH = saved
    }
    await started
    const project = await projectWith(['node', '--test'])
    const response = await server!.http.post(`/projects/${project.id}/test-runs`)
    assert.strictEqual(response.status, 503)
    assert.strictEqual(response.data.name, 'Unavailable')
    assert.match(response.data.message, /TEST_SANDBOX=bwrap, but bwrap was not found on PATH \(install bubblewrap\)/)
    assert.strictEqual((await server!.http.get(`/projects/${project.id}/test-runs`)).data.total, 0)
  })
})
