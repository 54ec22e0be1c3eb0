// WORKERS=2 (issue 10 item 5): `src/index.ts` as `npm start` runs it - a primary holding the port
// (@socket.io/sticky) and two workers (full apps, @socket.io/cluster-adapter between them) on one
// SQLite file. Workers are told apart by the `instance` (hostname:pid) of their heartbeats and of
// GET /connections. Run by `npm run test:workers` (starting three ts-node processes takes longer
// than the rest of `npm test`).
import assert from 'assert'
import fs from 'fs'
import path from 'path'
import { spawn } from 'child_process'
import type { Socket } from 'socket.io-client'
import { ProjectRooms } from '../src/project-rooms'
import { connected, serviceCall, until, waitForEvent } from './helpers'
import { pidOfInstance, startMachine, type Machine } from './workers-machine'

type Heartbeat = { instance: string; connections: number; instances: number; complete: boolean }

/** A socket with its latest heartbeat kept. */
async function follow(socket: Socket) {
  const state: { last?: Heartbeat } = {}
  socket.on('heartbeat', (beat: Heartbeat) => (state.last = beat))
  await connected(socket, 20_000)
  state.last = await waitForEvent<Heartbeat>(socket, 'heartbeat', 10_000)
  return state
}

/** The `sessions created` events a socket receives, in arrival order. */
function sessionEvents(socket: Socket) {
  const events: { id: number; seq: number }[] = []
  socket.on('sessions created', (payload: { id: number; seq: number }) => events.push(payload))
  return events
}

async function subscribeTo(socket: Socket, projectId: number) {
  const ack = await socket.timeout(10_000).emitWithAck('subscribe', { project_id: projectId })
  assert.ok(ack.ok, JSON.stringify(ack))
}

/** Which worker answered: GET /connections says (each REST request goes to the worker with fewer sockets). */
const servedBy = async (machine: Machine) => (await machine.http.get('/connections')).data.instance as string

const ascending = (seqs: number[]) => seqs.every((seq, i) => i === 0 || seq > seqs[i - 1])

describe('WORKERS=2: one machine, two worker processes', function () {
  this.timeout(180_000)
  let machine: Machine
  let a: Socket
  let b: Socket
  let beatA: { last?: Heartbeat }
  let beatB: { last?: Heartbeat }

  before(async () => {
    machine = await startMachine()
  })
  after(async () => {
    await machine?.stop()
  })

  it('shares one port between two workers; heartbeats and GET /connections count the whole machine', async () => {
    a = machine.socket()
    beatA = await follow(a)
    // REST now goes to the worker without a socket: the other one.
    const rest = await servedBy(machine)
    assert.notStrictEqual(rest, beatA.last!.instance)
    // A long-polling client: every request of its session must reach the worker that holds it.
    b = machine.socket({ transports: ['polling'] })
    beatB = await follow(b)
    assert.strictEqual(beatB.last!.instance, rest)
    const whole = (beat?: Heartbeat) => beat?.connections === 2 && beat.instances === 2 && beat.complete
    await until(() => whole(beatA.last) && whole(beatB.last), 'both heartbeats count 2 sockets on 2 workers', 10_000)
    const connections = (await machine.http.get('/connections')).data
    assert.strictEqual(connections.active_connections, 2)
    assert.strictEqual(connections.instances, 2)
    assert.strictEqual(connections.complete, true)
    assert.strictEqual(connections.instance_connections, 1)
  })

  it('an event published via REST on one worker reaches subscribers on both (websocket and long-polling)', async () => {
    const project = (await machine.http.post('/projects', { name: 'across workers' })).data
    await subscribeTo(a, project.id)
    await subscribeTo(b, project.id)
    const [onA, onB] = [sessionEvents(a), sessionEvents(b)]
    const before = await servedBy(machine)
    const created = await machine.http.post(`/projects/${project.id}/sessions`)
    assert.strictEqual(created.status, 201)
    assert.strictEqual(await servedBy(machine), before)
    // The sockets are on different workers, so one of them is not on the worker that served the POST.
    assert.notStrictEqual(beatA.last!.instance, beatB.last!.instance)
    await until(() => onA.length === 1 && onB.length === 1, 'both sockets heard the session', 10_000)
    assert.strictEqual(onA[0].id, created.data.id)
    assert.strictEqual(onB[0].id, created.data.id)
    assert.strictEqual(onA[0].seq, onB[0].seq)
  })

  it('keeps seqs unique, gap-free and in order under concurrent creates from clients on both workers', async () => {
    const per = 40
    const project = (await machine.http.post('/projects', { name: 'concurrent' })).data
    await subscribeTo(a, project.id)
    await subscribeTo(b, project.id)
    const [onA, onB] = [sessionEvents(a), sessionEvents(b)]
    // The typed client on a third socket: it hands events over in seq order, exactly once.
    const typedSocket = machine.socket()
    await connected(typedSocket, 20_000)
    const typed = new ProjectRooms(typedSocket, { logger: { debug: () => undefined, warn: () => undefined } })
    const handed: number[] = []
    typed.on('sessions created', (payload: { seq: number }) => handed.push(payload.seq))
    await typed.subscribe(project.id)

    const create = (socket: Socket) => serviceCall(socket, 'create', 'sessions', { project_id: project.id })
    const answers = await Promise.all(Array.from({ length: per }, () => [create(a), create(b)]).flat())
    assert.deepStrictEqual(
      answers.filter((answer) => answer.error),
      []
    )
    await until(
      () => onA.length === 2 * per && onB.length === 2 * per && handed.length === 2 * per,
      'every event',
      20_000
    )

    const seqs = onA.map((event) => event.seq).sort((x, y) => x - y)
    assert.strictEqual(new Set(seqs).size, 2 * per, 'each seq once')
    assert.strictEqual(seqs[seqs.length - 1] - seqs[0] + 1, 2 * per, 'no gap')
    assert.deepStrictEqual(
      onB.map((event) => event.seq).sort((x, y) => x - y),
      seqs
    )
    // Each worker sends its own events in seq order; the typed client orders the two workers' streams.
    const idsOf = (from: number) => new Set(answers.filter((_, i) => i % 2 === from).map((answer) => answer.result.id))
    for (const events of [onA, onB]) {
      for (const ids of [idsOf(0), idsOf(1)]) {
        assert.ok(ascending(events.filter((event) => ids.has(event.id)).map((event) => event.seq)))
      }
    }
    assert.deepStrictEqual(handed, seqs)
    typedSocket.disconnect()
  })

  it('restarts a worker that dies without marking the other worker’s running test run interrupted', async () => {
    const release = path.join(machine.dir, 'release')
    const waitForRelease = `const f=${JSON.stringify(release)};const t=setInterval(()=>{if(require('fs').existsSync(f))clearInterval(t)},50)`
    const project = (
      await machine.http.post('/projects', { name: 'long run', test_command: ['node', '-e', waitForRelease] })
    ).data
    await until(() => beatA.last?.connections === 2 && beatB.last?.connections === 2, 'the third socket gone', 10_000)
    const runner = await servedBy(machine)
    const run = (await machine.http.post(`/projects/${project.id}/test-runs`)).data
    assert.strictEqual(await servedBy(machine), runner)
    const status = async () => (await machine.http.get(`/test-runs/${run.id}`)).data
    await until(async () => (await status()).status === 'running', 'the run is running', 20_000)

    // Kill the worker that is not running the test run.
    const victim = [beatA.last!.instance, beatB.last!.instance].find((instance) => instance !== runner)!
    process.kill(pidOfInstance(victim), 'SIGKILL')
    await until(() => /worker \d restarted \(pid \d+\)/.test(machine.output()), 'the worker restarted', 90_000)
    assert.match(machine.output(), new RegExp(`worker \\d \\(pid ${pidOfInstance(victim)}\\) died \\(SIGKILL\\)`))

    // The machine is whole again: a new socket lands on the new worker, counts are complete.
    const fresh = machine.socket()
    const beatFresh = await follow(fresh)
    assert.notStrictEqual(beatFresh.last!.instance, victim)
    assert.notStrictEqual(beatFresh.last!.instance, runner)
    const whole = () => beatFresh.last?.connections === 2 && beatFresh.last.instances === 2 && beatFresh.last.complete
    await until(whole, 'the restarted worker counted', 20_000)

    // The restarted worker did not run start-up recovery: the run on the other worker still runs.
    assert.strictEqual((await status()).status, 'running')
    fs.writeFileSync(release, '')
    await until(async () => !['queued', 'running'].includes((await status()).status), 'the run ended', 20_000)
    const ended = await status()
    assert.strictEqual(ended.status, 'passed', JSON.stringify(ended))
    assert.strictEqual(ended.exit_code, 0)
  })

  it('SIGTERM to the primary drains every worker and exits 0', async () => {
    const code = await machine.stop()
    assert.strictEqual(code, 0, machine.output())
    const lines = machine.output().split('\n')
    const stopped = lines.filter((line) => /"msg":"(stopped|SIGTERM[^"]*|worker[^"]*)"/.test(line))
    assert.strictEqual(stopped.filter((line) => line.includes('"msg":"stopped"')).length, 3, stopped.join('\n'))
    machine = undefined as never
  })

  it('refuses WORKERS=2 with an in-memory database, naming the setting', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
      cwd: path.join(__dirname, '..'),
      env: { ...process.env, NODE_ENV: 'test', PORT: '0', WORKERS: '2', DATABASE_URL: 'sqlite::memory:' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let output = ''
    child.stderr.on('data', (chunk) => (output += chunk))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    assert.strictEqual(code, 1)
    assert.match(output, /workers \(WORKERS\) is 2, but DATABASE_URL=sqlite::memory: lives inside one process/)
  })
})
