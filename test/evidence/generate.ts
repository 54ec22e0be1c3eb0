// `npm run evidence`: runs the phase-002 scenarios against the real app and writes what was sent
// and received to evidence/phase-002/ (one JSON transcript per scenario, plus summary.md).
// Every value in the files is what this run observed; nothing is written by hand.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { Socket } from 'socket.io-client'
import { createClient } from '../../src/client'
import { connected, sleep, startTestServer, until, waitForEvent } from '../helpers'
import type { TestServer } from '../helpers'
import { launchChromium } from '../browser/chromium'
import { writeContractEvidence } from './contract'

const OUT = path.join(__dirname, '..', '..', 'evidence', 'phase-002')

class Transcript {
  readonly steps: { t_ms: number; who: string; what: string; data?: unknown }[] = []
  private readonly start = Date.now()
  constructor(readonly name: string, readonly description: string) {}

  log(who: string, what: string, data?: unknown) {
    this.steps.push({ t_ms: Date.now() - this.start, who, what, data })
  }

  /** Records every event a socket receives (heartbeats included). */
  watch(who: string, socket: Socket) {
    socket.onAny((event, payload) => this.log(who, `received '${event}'`, payload))
  }

  async http(server: TestServer, method: 'get' | 'post' | 'patch' | 'delete', url: string, body?: unknown) {
    this.log('http', `${method.toUpperCase()} ${url}`, body)
    const response = await server.http.request({ method, url, data: body })
    this.log('http', `-> ${response.status}`, response.data)
    return response
  }

  async emit(who: string, socket: Socket, event: string, ...args: unknown[]) {
    this.log(who, `emit '${event}'`, args.length === 1 ? args[0] : args)
    const ack = await socket.timeout(5000).emitWithAck(event, ...args)
    this.log(who, `ack '${event}'`, ack)
    return ack
  }
}

const results: { name: string; description: string; checks: string[] }[] = []

async function scenario(name: string, description: string, run: (t: Transcript, server: TestServer) => Promise<string[]>) {
  const workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-evidence-'))
  const server = await startTestServer({ heartbeatIntervalMs: 250, simulatedTokensPerSecond: 400, testWorkspaceRoot: workspaces, testCommandAllowlist: ['node'] } as any)
  const transcript = new Transcript(name, description)
  try {
    const checks = await run(transcript, server)
    results.push({ name, description, checks })
    fs.writeFileSync(
      path.join(OUT, `${name}.json`),
      JSON.stringify({ scenario: name, description, checks, steps: transcript.steps }, null, 2) + '\n'
    )
  } finally {
    await server.stop()
    fs.rmSync(workspaces, { recursive: true, force: true })
  }
}

async function main() {
  // evidence/contract/: the served OpenAPI and AsyncAPI documents and the /docs screenshot.
  console.log((await writeContractEvidence()).join('\n'))
  if (process.env.EVIDENCE_ONLY === 'contract') process.exit(0)
  fs.rmSync(OUT, { recursive: true, force: true })
  fs.mkdirSync(OUT, { recursive: true })

  await scenario('seed-broadcast', 'Two clients subscribe to a project; a message posted over REST reaches both, identical.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'WS Test' })).data
    const session = (await t.http(server, 'post', `/projects/${project.id}/sessions`)).data
    const [a, b] = [server.socket(), server.socket()]
    await Promise.all([connected(a), connected(b)])
    t.watch('client-1', a)
    t.watch('client-2', b)
    await t.emit('client-1', a, 'subscribe', { project_id: project.id })
    await t.emit('client-2', b, 'subscribe', { project_id: project.id })
    const both = Promise.all([waitForEvent(a, 'messages created'), waitForEvent(b, 'messages created')])
    const posted = (await t.http(server, 'post', `/sessions/${session.session_id}/messages`, { prompt: 'Add a new feature' })).data
    const [m1, m2] = await both
    assert.deepStrictEqual(m1, m2)
    assert.deepStrictEqual(m1, { ...posted, seq: m1.seq })
    return ['both clients received `messages created`', `the two payloads are identical: the REST answer plus seq ${m1.seq}`]
  })

  await scenario('room-isolation', 'A client subscribed to project B receives nothing of project A.', async (t, server) => {
    const a = (await t.http(server, 'post', '/projects', { name: 'A' })).data
    const b = (await t.http(server, 'post', '/projects', { name: 'B' })).data
    const [inA, inB] = [server.socket(), server.socket()]
    await Promise.all([connected(inA), connected(inB)])
    let leaked = 0
    inB.onAny((event, payload) => event !== 'heartbeat' && payload?.project_id === a.id && leaked++)
    t.watch('subscriber-A', inA)
    t.watch('subscriber-B', inB)
    await t.emit('subscriber-A', inA, 'subscribe', { project_id: a.id })
    await t.emit('subscriber-B', inB, 'subscribe', { project_id: b.id })
    const gotA = waitForEvent(inA, 'sessions created')
    await t.http(server, 'post', `/projects/${a.id}/sessions`)
    await gotA
    const gotB = waitForEvent(inB, 'sessions created')
    await t.http(server, 'post', `/projects/${b.id}/sessions`)
    await gotB
    await sleep(100)
    assert.strictEqual(leaked, 0)
    return ['subscriber-A got the session of A', 'subscriber-B got the session of B and nothing of A']
  })

  await scenario('heartbeat', 'Heartbeats at the configured interval (250 ms here) carry the live connection count.', async (t, server) => {
    const sockets = [server.socket(), server.socket(), server.socket()]
    await Promise.all(sockets.map((s) => connected(s)))
    await sleep(300)
    t.watch('client-1', sockets[0])
    const beats: any[] = []
    sockets[0].on('heartbeat', (beat) => beats.push(beat))
    await sleep(800)
    sockets[2].disconnect()
    t.log('client-3', 'disconnect')
    await until(() => beats.length > 0 && beats[beats.length - 1].connections === 2, 'a beat counts 2')
    assert.ok(beats.some((beat) => beat.connections === 3))
    return [`${beats.length} heartbeats received`, 'connections was 3, then 2 after one client left']
  })

  await scenario('disconnect-cleanup', 'Clients subscribe, then all disconnect: GET /connections says 0 and no room is left.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'cleanup' })).data
    const sockets = [server.socket(), server.socket({ transports: ['polling'] })]
    await Promise.all(sockets.map((s) => connected(s)))
    for (const [i, socket] of sockets.entries()) await t.emit(`client-${i + 1}`, socket, 'subscribe', { project_id: project.id })
    await t.http(server, 'get', '/connections')
    for (const [i, socket] of sockets.entries()) {
      socket.disconnect()
      t.log(`client-${i + 1}`, 'disconnect')
    }
    await until(async () => (await server.http.get('/connections')).data.active_connections === 0, 'count is 0')
    const after = (await t.http(server, 'get', '/connections')).data
    assert.deepStrictEqual(after.rooms, {})
    return ['active_connections went 2 -> 0', 'rooms went {project: 2} -> {}']
  })

  await scenario('reconnect', 'The server drops a typed client; it reconnects by itself and its subscription comes back.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'reconnect' })).data
    const socket = await connected(server.socket())
    const client = createClient(socket)
    t.watch('typed-client', socket)
    t.log('typed-client', 'rooms.subscribe', await client.rooms.subscribe(project.id))
    const firstId = socket.id
    const back = waitForEvent(socket.io, 'reconnect')
    server.app.io.of('/').sockets.get(socket.id!).conn.close()
    t.log('server', 'drops the connection of the typed client')
    await back
    t.log('typed-client', 'reconnected', { old_socket: firstId, new_socket: socket.id })
    await until(async () => (await server.http.get('/connections')).data.rooms[project.id] === 1, 'resubscribed')
    const got = waitForEvent(socket, 'sessions created')
    await t.http(server, 'post', `/projects/${project.id}/sessions`)
    await got
    return ['the client reconnected on a new socket id', 'it was re-subscribed and received the next project event']
  })

  await scenario('resume', 'A raw client misses events while away and resumes with `since`: replay in order, then live.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'resume' })).data
    let socket = await connected(server.socket())
    const first: any = await t.emit('client', socket, 'subscribe', { project_id: project.id })
    const lastSeq = first.seq
    socket.disconnect()
    t.log('client', 'disconnect', { last_seq: lastSeq })
    for (let i = 0; i < 3; i++) await t.http(server, 'post', `/projects/${project.id}/sessions`)
    socket = await connected(server.socket())
    t.watch('client', socket)
    const ack: any = await t.emit('client', socket, 'subscribe', { project_id: project.id, since: lastSeq })
    assert.strictEqual(ack.recovered, true)
    assert.strictEqual(ack.replayed, 3)
    const live = waitForEvent(socket, 'sessions created')
    await t.http(server, 'post', `/projects/${project.id}/sessions`)
    const liveEvent = await live
    assert.strictEqual(liveEvent.seq, ack.seq + 1)
    return [`resumed from seq ${lastSeq}: ${ack.replayed} events replayed before the ack (recovered: true)`, `the next live event had seq ${liveEvent.seq}`]
  })

  await scenario('vibecode-response', 'The seed flow with the answer: a posted message streams token_usage, then both subscribers get the identical vibecode_response (simulated provider: nothing configured).', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'WS Test' })).data
    const session = (await t.http(server, 'post', `/projects/${project.id}/sessions`)).data
    const [a, b] = [server.socket(), server.socket()]
    await Promise.all([connected(a), connected(b)])
    t.watch('client-1', a)
    await t.emit('client-1', a, 'subscribe', { project_id: project.id })
    await t.emit('client-2', b, 'subscribe', { project_id: project.id })
    const both = Promise.all([waitForEvent(a, 'vibecode_response', 15_000), waitForEvent(b, 'vibecode_response', 15_000)])
    await t.http(server, 'post', `/sessions/${session.session_id}/messages`, { prompt: 'Add a new feature' })
    const [r1, r2] = await both
    assert.deepStrictEqual(r1, r2)
    const stored = (await t.http(server, 'get', `/messages/${r1.message_id}`)).data
    assert.strictEqual(stored.status, 'completed')
    return [
      `both clients received the identical vibecode_response (provider ${r1.provider})`,
      `token_usage ${JSON.stringify(r1.token_usage)} (cl100k_base counts of the real text)`,
      'the stored message is completed with the same patch and usage'
    ]
  })

  await scenario('test-run', 'A project test command (node --test, TAP) runs in its workspace: test_started, test_output, test_result per case, test_completed.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'tests' })).data
    await t.http(server, 'patch', `/projects/${project.id}`, { test_command: ['node', '--test', '--test-reporter=tap', 'failing.test.js'] })
    fs.cpSync(path.join(__dirname, '..', 'fixtures', 'suite'), server.app.testRuns.workspaceOf(project.id), { recursive: true })
    const socket = await connected(server.socket())
    t.watch('client', socket)
    await t.emit('client', socket, 'subscribe', { project_id: project.id })
    const done = waitForEvent(socket, 'test_completed', 15_000)
    const run = (await t.http(server, 'post', `/projects/${project.id}/test-runs`)).data
    const completed = await done
    await t.http(server, 'get', `/test-runs/${run.id}`)
    return [`run ${run.id} ended ${completed.status}: ${completed.passed} passed, ${completed.failed} failed, exit ${completed.exit_code}`]
  })

  await scenario('bad-input', 'Malformed subscribe payloads get error acks; the socket and server keep working.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'bad input' })).data
    const socket = await connected(server.socket())
    const payloads: unknown[][] = [[], [null], ['5'], [5], [[1]], [{}], [{ project_id: true }], [{ project_id: 'abc' }], [{ project_id: 999999 }]]
    for (const args of payloads) {
      const ack: any = await t.emit('client', socket, 'subscribe', ...args)
      assert.strictEqual(ack.ok, false)
    }
    const good: any = await t.emit('client', socket, 'subscribe', { project_id: project.id })
    assert.strictEqual(good.ok, true)
    await t.http(server, 'post', `/sessions/999999/messages`, { prompt: 'x' })
    await t.http(server, 'post', `/projects/${project.id}/sessions`)
    const session = (await server.http.get(`/projects/${project.id}/sessions`)).data.data[0]
    for (const body of [{}, { prompt: '' }, { prompt: 7 }]) await t.http(server, 'post', `/sessions/${session.id}/messages`, body)
    const count = (await server.http.get(`/sessions/${session.id}/messages`)).data.total
    assert.strictEqual(count, 0)
    return [`${payloads.length} bad payloads -> ${payloads.length} error acks`, 'the same socket then subscribed fine', 'bad REST bodies -> 400/404, no message stored']
  })

  await scenario('debug-page', 'The debug page for people (GET /debug) in headless Chromium after two messages and a test run: rows updated in place with their token meters, the patches as coloured diffs, the test-run panel, the heartbeat chart; screenshot debug-page.png.', async (t, server) => {
    const project = (await t.http(server, 'post', '/projects', { name: 'Todo app' })).data
    const command = ['node', '--test', '--test-reporter=tap', 'passing.test.js', 'failing.test.js']
    await t.http(server, 'patch', `/projects/${project.id}`, { test_command: command })
    fs.cpSync(path.join(__dirname, '..', 'fixtures', 'suite'), server.app.testRuns.workspaceOf(project.id), { recursive: true })
    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1360, height: 900 } })
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(String(error)))
      await page.goto(`${server.url}/debug?project=${project.id}`)
      t.log('browser', `opened /debug?project=${project.id}`)
      await page.waitForFunction(() => document.getElementById('subscription')?.textContent?.startsWith('subscribed'))
      // A second viewer for a while: the heartbeat chart goes 1 -> 2 -> 1.
      const other = await browser.newPage()
      await other.goto(`${server.url}/debug?project=${project.id}`)
      await sleep(1200)
      await other.close()
      const session = (await t.http(server, 'post', `/projects/${project.id}/sessions`)).data
      const ids: number[] = []
      for (const prompt of ['Add a dark mode toggle to the settings page', 'Fix the login redirect loop']) {
        ids.push((await t.http(server, 'post', `/sessions/${session.session_id}/messages`, { prompt })).data.id)
      }
      for (const id of ids) await page.waitForSelector(`tr.message[data-message-id="${id}"][data-status="completed"]`, { timeout: 20_000 })
      const run = (await t.http(server, 'post', `/projects/${project.id}/test-runs`)).data
      await page.waitForSelector(`.test-run[data-run-id="${run.id}"] .totals[data-status]`, { timeout: 20_000 })
      await sleep(600)
      const usage = (await t.http(server, 'get', `/messages/${ids[1]}`)).data.token_usage
      const shown = await page.getAttribute(`tr.message[data-message-id="${ids[1]}"] .tokens`, 'data-total')
      assert.strictEqual(shown, String(usage.total_tokens))
      const finished = (await t.http(server, 'get', `/test-runs/${run.id}`)).data
      const cases = await page.$$eval(`.test-run[data-run-id="${run.id}"] .test-case`, (items) => items.length)
      const addLines = await page.$$eval('pre.diff .diff-add', (lines) => lines.length)
      await page.screenshot({ path: path.join(OUT, 'debug-page.png'), fullPage: true })
      t.log('browser', 'screenshot debug-page.png')
      assert.deepStrictEqual(errors, [])
      return [
        `both message rows completed; the second shows ${shown} tokens, the stored token_usage.total_tokens`,
        `${addLines} added lines rendered as + lines in the two diffs`,
        `test run ${run.id} ${finished.status}: ${cases} test cases listed as they arrived, totals ${finished.passed} passed, ${finished.failed} failed, ${finished.skipped} skipped`,
        'screenshot: [debug-page.png](debug-page.png)'
      ]
    } finally {
      await browser.close()
    }
  })

  const summary = [
    '# Phase 002 evidence',
    '',
    'Generated by `npm run evidence` against the real app (SQLite in memory, heartbeat every 250 ms).',
    `Run at ${new Date().toISOString()} on Node ${process.version}.`,
    '',
    '| scenario | what it shows | checked in this run |',
    '| --- | --- | --- |',
    ...results.map((r) => `| [${r.name}](${r.name}.json) | ${r.description} | ${r.checks.join('; ')} |`),
    ''
  ].join('\n')
  fs.writeFileSync(path.join(OUT, 'summary.md'), summary)
  console.log(summary)
  process.exit(0)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
