// Lossless resume: every logged project event has a per-project seq; `subscribe` with `since`
// replays what was missed, in order, then continues live with no gap and no duplicate; the typed
// client does this by itself across dropped connections and server restarts.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import type { Socket } from 'socket.io-client'
import { createClient } from '../src/client'
import { connected, createProject, createSession, sleep, startTestServer, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

const quiet = { debug: () => undefined, warn: () => undefined }

/** Publishes `count` logged events (test_result) to a project through the broadcast API. */
async function publishResults(server: TestServer, projectId: number, count: number, from = 0) {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      server.app.realtime.publish(projectId, 'test_result', {
        run_id: 1,
        name: `case ${from + i}`,
        ok: true,
        skipped: false
      })
    )
  )
}

/** seqs of one project's logged events a raw socket received, in arrival order. */
function seqsOf(socket: Socket, projectId: number) {
  const seqs: number[] = []
  socket.onAny((event, payload) => {
    if (event !== 'heartbeat' && payload?.project_id === projectId && typeof payload.seq === 'number')
      seqs.push(payload.seq)
  })
  return seqs
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

describe('event log and resume', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  it('numbers a project’s events 1, 2, 3 … and each project on its own', async () => {
    const [a, b] = [await createProject(server, 'a'), await createProject(server, 'b')]
    await publishResults(server, a.id, 3)
    await publishResults(server, b.id, 2)
    const log = server.app.realtime.streams.eventLog!
    assert.deepStrictEqual(
      (await log.read(a.id, 0, 100)).map((e) => [e.seq, e.event]),
      [
        [1, 'projects created'],
        [2, 'test_result'],
        [3, 'test_result'],
        [4, 'test_result']
      ]
    )
    assert.deepStrictEqual(
      (await log.read(b.id, 0, 100)).map((e) => e.seq),
      [1, 2, 3]
    )
  })

  it('subscribe with since replays what was missed, in order, then live events follow', async () => {
    const project = await createProject(server)
    const first = await createSession(server, project.id) // seq 2
    const second = await createSession(server, project.id) // seq 3
    const third = await createSession(server, project.id) // seq 4

    const socket = await connected(server.socket())
    const received: [string, any][] = []
    socket.onAny((event, payload) => event !== 'heartbeat' && received.push([event, payload]))
    const ack = await socket.emitWithAck('subscribe', { project_id: project.id, since: 2 })
    assert.deepStrictEqual(ack, {
      ok: true,
      project_id: project.id,
      room: `project:${project.id}`,
      subscribed: true,
      seq: 4,
      epoch: ack.epoch,
      recovered: true,
      replayed: 2,
      // A resume gets who is in the room instead of replayed presence events.
      presence: [{ ...ack.presence[0], connections: 1 }]
    })
    // The replayed events came before the ack, as they were first sent.
    assert.deepStrictEqual(
      received.map(([event, payload]) => [event, payload.seq, payload.id]),
      [
        ['sessions created', 3, second.id],
        ['sessions created', 4, third.id]
      ]
    )
    assert.ok(first.id < second.id)
    const live = waitForEvent(socket, 'sessions created')
    await createSession(server, project.id)
    assert.strictEqual((await live).seq, 5)
  })

  it('at the seam: events published during a replay are neither lost nor doubled', async () => {
    const project = await createProject(server)
    await publishResults(server, project.id, 300) // seq 2..301
    const socket = await connected(server.socket())
    const seqs = seqsOf(socket, project.id)
    // Subscribe from seq 1 while 100 more events are being published.
    const [ack] = await Promise.all([
      socket.emitWithAck('subscribe', { project_id: project.id, since: 1 }),
      publishResults(server, project.id, 100, 300)
    ])
    assert.strictEqual(ack.recovered, true)
    await until(() => seqs.length >= 400, 'every event arrived')
    await sleep(50)
    assert.deepStrictEqual(seqs, range(2, 401))
  })

  it('several clients resume at once from different seqs', async () => {
    const project = await createProject(server)
    await publishResults(server, project.id, 150) // seq 2..151
    // (seq 1 is `projects created`, which seqsOf does not count: it carries the project as `id`.)
    const sinces = [1, 2, 40, 100, 151]
    const sockets = await Promise.all(sinces.map(() => connected(server.socket())))
    const received = sockets.map((socket) => seqsOf(socket, project.id))
    await Promise.all([
      ...sockets.map((socket, i) => socket.emitWithAck('subscribe', { project_id: project.id, since: sinces[i] })),
      publishResults(server, project.id, 50, 150) // seq 152..201
    ])
    await until(() => received.every((seqs, i) => seqs.length >= 201 - sinces[i]), 'everyone caught up')
    await sleep(50)
    received.forEach((seqs, i) => assert.deepStrictEqual(seqs, range(sinces[i] + 1, 201), `since ${sinces[i]}`))
  })

  it('answers recovered: false when since is older than the retained log, or newer than the latest seq', async () => {
    const capped = await startTestServer({ eventLogMaxPerProject: 5 })
    try {
      const project = await createProject(capped)
      await publishResults(capped, project.id, 10) // seq 2..11
      assert.ok((await capped.app.realtime.streams.eventLog!.prune()) >= 6)
      const socket = await connected(capped.socket())
      const seqs = seqsOf(socket, project.id)
      const stale = await socket.emitWithAck('subscribe', { project_id: project.id, since: 3 })
      assert.deepStrictEqual([stale.recovered, stale.seq, stale.replayed], [false, 11, 0])
      const future = await socket.emitWithAck('subscribe', { project_id: project.id, since: 99 })
      assert.deepStrictEqual([future.recovered, future.seq], [false, 11])
      // Within the retained part, it still recovers.
      const fine = await socket.emitWithAck('subscribe', { project_id: project.id, since: 6 })
      assert.deepStrictEqual([fine.recovered, fine.replayed], [true, 5])
      assert.deepStrictEqual(seqs, range(7, 11))
    } finally {
      await capped.stop()
    }
  })

  it('prunes by age in the background', async () => {
    const short = await startTestServer({ eventRetentionMs: 1000, eventLogPruneIntervalMs: 100 })
    try {
      const project = await createProject(short)
      await publishResults(short, project.id, 3)
      const log = short.app.realtime.streams.eventLog!
      await until(async () => (await log.read(project.id, 0, 10)).length === 0, 'the log is pruned', 5000)
      const { latest, pruned } = await log.state(project.id)
      assert.deepStrictEqual({ latest, pruned }, { latest: 4, pruned: 4 })
      const socket = await connected(short.socket())
      const ack = await socket.emitWithAck('subscribe', { project_id: project.id, since: 2 })
      assert.strictEqual(ack.recovered, false)
      // seqs go on after pruning.
      const next = await short.app.realtime.publish(project.id, 'test_result', {
        run_id: 1,
        name: 'x',
        ok: true,
        skipped: false
      })
      assert.strictEqual(next.seq, 5)
    } finally {
      await short.stop()
    }
  })

  it('answers a bad since with a 400 error ack', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    for (const since of [-1, 1.5, '3', true, {}]) {
      const ack = await socket.emitWithAck('subscribe', { project_id: project.id, since })
      assert.strictEqual(ack.ok, false, JSON.stringify(since))
      assert.strictEqual(ack.error.code, 400)
      assert.match(ack.error.message, /since must be a non-negative integer/)
    }
  })

  describe('the typed client', () => {
    async function typedSubscriber(
      target: TestServer,
      projectId: number,
      options: Partial<{ reconnectionDelay: number }> = {}
    ) {
      const socket = await connected(target.socket({ reconnectionDelay: options.reconnectionDelay ?? 50 }))
      const client = createClient(socket, { logger: quiet, gapTimeoutMs: 300 })
      // Every logged event of the project (messages, their status patches, vibecode responses).
      const seqs: number[] = []
      const prompts: string[] = []
      let responses = 0
      await client.rooms.subscribe(projectId, {
        onEvent: (event, payload) => {
          if (typeof payload.seq === 'number') seqs.push(payload.seq)
          if (event === 'messages created') prompts.push(payload.prompt)
          if (event === 'vibecode_response') responses++
        }
      })
      return { socket, client, seqs, prompts, responses: () => responses }
    }

    async function postMessages(target: TestServer, sessionId: number, from: number, count: number) {
      for (let i = from; i < from + count; i++) {
        const response = await target.http.post(`/sessions/${sessionId}/messages`, { prompt: `m${i}` })
        assert.strictEqual(response.status, 201)
      }
    }

    const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `m${from + i}`)

    for (const [label, cut] of [
      [
        'the server drops the connection',
        (s: TestServer, socket: Socket) => s.app.io.of('/').sockets.get(socket.id!)?.conn.close()
      ],
      ['the transport is killed under the client', (_s: TestServer, socket: Socket) => socket.io.engine.close()]
    ] as const) {
      it(`holds all 200 events, in order, once, when ${label} mid-stream`, async () => {
        const project = await createProject(server)
        const session = await createSession(server, project.id)
        const subscriber = await typedSubscriber(server, project.id)
        const posting = postMessages(server, session.id, 0, 200)
        // Cut the connection twice while the messages are being posted.
        await until(() => subscriber.prompts.length >= 40, '40 arrived')
        cut(server, subscriber.socket)
        await until(() => subscriber.prompts.length >= 120, '120 arrived', 10_000)
        cut(server, subscriber.socket)
        await posting
        await until(() => subscriber.responses() >= 200, 'all 200 messages and their answers arrived', 20_000)
        await sleep(100)
        assert.deepStrictEqual(subscriber.prompts, names(0, 200))
        // Every logged event, messages and their answers' events alike: no gap, no duplicate.
        const seqs = subscriber.seqs
        assert.deepStrictEqual(seqs, range(seqs[0], seqs[seqs.length - 1]))
        assert.strictEqual(subscriber.client.rooms.lastSeq(project.id), seqs[seqs.length - 1])
      })
    }

    it('holds every event across a server restart on the same database', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-resume-'))
      const database = process.env.DATABASE_URL ?? `sqlite:${path.join(dir, 'db.sqlite')}`
      const first = await startTestServer({ database })
      let second: TestServer | undefined
      try {
        const project = await createProject(first)
        const session = await createSession(first, project.id)
        const subscriber = await typedSubscriber(first, project.id, { reconnectionDelay: 300 })
        await postMessages(first, session.id, 0, 50)
        await first.app.teardown()
        second = await startTestServer({ database, port: first.port })
        // These are posted while the client is still away (it retries after 300 ms).
        await postMessages(second, session.id, 50, 150)
        await until(() => subscriber.prompts.length >= 200, 'all 200 arrived', 20_000)
        await sleep(100)
        assert.deepStrictEqual(subscriber.prompts, names(0, 200))
        const seqs = subscriber.seqs
        assert.deepStrictEqual(seqs, range(seqs[0], seqs[seqs.length - 1]))
        subscriber.socket.disconnect()
      } finally {
        first.stop = async () => undefined
        await second?.stop()
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })

    it('refills a gap from the log and drops duplicates', async () => {
      const project = await createProject(server)
      const socket = await connected(server.socket())
      const client = createClient(socket, { logger: quiet, gapTimeoutMs: 100 })
      const seqs: number[] = []
      client.rooms.on('test_result', (event) => seqs.push(event.seq!))
      await client.rooms.subscribe(project.id)
      await publishResults(server, project.id, 3) // seq 2..4
      await until(() => seqs.length === 3, 'three arrived')
      // Simulate a lost event: seq 5 is logged but only seq 6 goes out on the wire, twice.
      const log = server.app.realtime.streams.eventLog!
      await log.append(project.id, 'test_result', {
        type: 'test_result',
        project_id: project.id,
        run_id: 1,
        name: 'lost',
        ok: true,
        skipped: false
      })
      const six = await server.app.realtime.publish(project.id, 'test_result', {
        run_id: 1,
        name: 'six',
        ok: true,
        skipped: false
      })
      server.app.io.to(`project:${project.id}`).emit('test_result', six)
      await until(() => seqs.length === 5, 'the gap was refilled', 3000)
      await sleep(150)
      assert.deepStrictEqual(seqs, [2, 3, 4, 5, 6])
    })

    it('calls onReset when the server can no longer replay', async () => {
      const capped = await startTestServer({ eventLogMaxPerProject: 3 })
      try {
        const project = await createProject(capped)
        const socket = await connected(capped.socket({ reconnectionDelay: 50 }))
        const client = createClient(socket, { logger: quiet })
        let reset: any
        await client.rooms.subscribe(project.id, { onReset: (ack) => (reset = ack) })
        socket.io.opts.reconnection = false
        const down = waitForEvent(socket, 'disconnect')
        socket.io.engine.close()
        await down
        await publishResults(capped, project.id, 10)
        await capped.app.realtime.streams.eventLog!.prune()
        socket.io.opts.reconnection = true
        socket.connect()
        await until(() => reset !== undefined, 'onReset was called')
        assert.strictEqual(reset.recovered, false)
        assert.strictEqual(client.rooms.lastSeq(project.id), 11)
      } finally {
        await capped.stop()
      }
    })
  })
})
