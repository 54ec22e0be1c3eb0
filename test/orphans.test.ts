// Runs cut off by a crash (issue 8 item 6). A server process of its own starts an unsandboxed
// run (TEST_SANDBOX=none) whose command leaves a detached grandchild in another process group,
// and is killed with SIGKILL: the run's processes outlive it (the problem). The next start, on
// the same database and workspace root, kills them (src/testruns/orphans.ts), marks the run
// `error` and publishes its `test_completed` (status "error"), which a client resuming with
// `since` receives. The ledger leaves alone the runs of a server that is alive and of another
// host. (Under bwrap the processes cannot survive at all: test/sandbox.test.ts.)
import assert from 'assert'
import { spawn } from 'child_process'
import crypto from 'crypto'
import fs from 'fs'
import os from 'os'
import path from 'path'
import axios from 'axios'
import { OrphanLedger, RUN_MARK, startTime } from '../src/testruns/orphans'
import { connected, recordEvents, startTestServer, until } from './helpers'
import { serverProcess } from './server-process'
import type { TestServer } from './helpers'

const POSTGRES = /^postgres/.test(process.env.DATABASE_URL ?? '')

/** Host processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
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

const HANG_SCRIPT = [
  "const { spawn } = require('child_process')",
  "spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', process.argv[2] + '-grandchild'], { detached: true, stdio: 'ignore' }).unref()",
  "console.log('hanging')",
  'setInterval(() => {}, 1000)',
  ''
].join('\n')

const newMarker = () => `vibecode-orphan-${crypto.randomBytes(6).toString('hex')}`

describe('test runs cut off by a crash', function () {
  this.timeout(60_000)
  let root: string
  let server: TestServer | undefined
  const markers: string[] = []

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-orphans-'))
  })
  afterEach(async () => {
    await server?.stop()
    server = undefined
    for (const marker of markers.splice(0)) for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL')
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('the next start kills what the run left and publishes test_completed with status error', async () => {
    const marker = newMarker()
    markers.push(marker)
    const settings = {
      host: '127.0.0.1',
      port: 0,
      database: POSTGRES ? process.env.DATABASE_URL : `sqlite:${path.join(root, 'crash.sqlite')}`,
      testWorkspaceRoot: path.join(root, 'workspaces'),
      testSandbox: 'none',
      testCommandAllowlist: ['node']
    }
    const crashing = serverProcess(settings)
    const http = axios.create({ baseURL: `http://127.0.0.1:${await crashing.port}`, validateStatus: () => true })
    const project = (await http.post('/projects', { name: 'crash', test_command: ['node', 'hang.js', marker] })).data
    fs.mkdirSync(path.join(settings.testWorkspaceRoot, String(project.id)), { recursive: true })
    fs.writeFileSync(path.join(settings.testWorkspaceRoot, String(project.id), 'hang.js'), HANG_SCRIPT)
    const run = (await http.post(`/projects/${project.id}/test-runs`)).data
    await until(() => processesWith(`${marker}-grandchild`).length > 0, 'the grandchild runs', 20_000)

    crashing.child.kill('SIGKILL')
    await new Promise((resolve) => crashing.child.once('exit', resolve))
    // Without a sandbox the run's processes outlive the server: the command and its grandchild.
    assert.strictEqual(processesWith(marker).length, 2, 'the run outlived its server')

    server = await startTestServer(settings as any)
    await until(() => processesWith(marker).length === 0, 'nothing of the run is left', 5000)
    const stored = (await server.http.get(`/test-runs/${run.id}`)).data
    assert.strictEqual(stored.status, 'error')
    assert.match(stored.error, /interrupted/)

    const socket = await connected(server.socket())
    const events = recordEvents(socket)
    const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: project.id, since: 0 })
    assert.strictEqual(ack.ok, true, JSON.stringify(ack))
    const completed = events.filter((e) => e.event === 'test_completed' && e.payload.run_id === run.id)
    assert.strictEqual(completed.length, 1, JSON.stringify(events.map((e) => e.event)))
    assert.strictEqual(completed[0].payload.status, 'error')
    assert.strictEqual(completed[0].payload.exit_code, null)
  })

  it('the ledger leaves alone the runs of a live server and of another host', async () => {
    const dir = path.join(root, '.runs')
    const ledger = new OrphanLedger(dir)
    const started: number[] = []
    const marked = (token: string) => {
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
        env: { PATH: process.env.PATH, [RUN_MARK]: token },
        stdio: 'ignore'
      })
      started.push(child.pid!)
      return child
    }
    try {
      // This process's own run: its server is alive.
      const own = ledger.open(1)
      const ownChild = marked(own.env[RUN_MARK])
      // A run of another host, and one of a server that died on this host.
      const write = (token: string, fields: object) =>
        fs.writeFileSync(path.join(dir, `${token}.json`), JSON.stringify({ run_id: 2, token, ...fields }))
      const boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
      const foreign = crypto.randomBytes(16).toString('hex')
      write(foreign, { host: 'another-host', boot_id: boot, server_pid: 1, server_start: 'x' })
      const foreignChild = marked(foreign)
      const dead = crypto.randomBytes(16).toString('hex')
      write(dead, { host: os.hostname(), boot_id: boot, server_pid: process.pid, server_start: 'not-its-start' })
      const orphan = marked(dead)
      await until(() => [ownChild, foreignChild, orphan].every((c) => startTime(c.pid!) !== undefined), 'started')
      await new Promise((resolve) => setTimeout(resolve, 200)) // their environments are in place

      assert.deepStrictEqual(ledger.reap(), [orphan.pid])
      await new Promise((resolve) => orphan.once('exit', resolve))
      assert.strictEqual(ownChild.exitCode, null)
      assert.strictEqual(foreignChild.exitCode, null)
      assert.deepStrictEqual(fs.readdirSync(dir).sort(), [`${foreign}.json`, `${own.env[RUN_MARK]}.json`].sort())
      own.release()
      assert.deepStrictEqual(fs.readdirSync(dir), [`${foreign}.json`])
    } finally {
      for (const pid of started) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // Gone.
        }
      }
    }
  })
})
