// Two instances behind the socket.io Redis adapter, sharing one PostgreSQL database - the
// scale-out deployment (`REDIS_URL=… DATABASE_URL=postgres://… npm run test:cluster`, run by
// .ci/run): room events reach subscribers on every instance, counts are sums, seqs stay one
// sequence per project.
import assert from 'assert'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  sleep,
  subscribe,
  until,
  waitForEvent
} from '../helpers'
import type { TestServer } from '../helpers'
import { requireClusterServices, startPair } from './pair'
import { createClient } from '../../src/client'

describe('cluster over Redis', function () {
  let a: TestServer
  let b: TestServer

  before(requireClusterServices)

  beforeEach(async () => {
    // Both instances share one database and one Redis prefix of their own.
    ;({ a, b } = await startPair('cluster', {
      heartbeatIntervalMs: 100
    }))
  })

  afterEach(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('an event published on one instance reaches subscribers on the other, once', async () => {
    const project = await createProject(a)
    const onA = await connected(a.socket())
    const onB = await connected(b.socket())
    await subscribe(onA, project.id)
    await subscribe(onB, project.id)
    const eventsB = recordEvents(onB)

    const received = Promise.all([waitForEvent(onA, 'messages created'), waitForEvent(onB, 'messages created')])
    const session = await createSession(a, project.id)
    const message = (await a.http.post(`/sessions/${session.id}/messages`, { prompt: 'across instances' })).data
    const [fromA, fromB] = await received
    assert.deepStrictEqual(fromA, { ...message, seq: fromA.seq })
    assert.deepStrictEqual(fromB, fromA)

    const usage = waitForEvent(onA, 'token_usage')
    b.app.realtime.publish(project.id, 'token_usage', {
      session_id: session.id,
      message_id: message.id,
      input_tokens: 3,
      output_tokens: 4,
      total_tokens: 7,
      final: true
    })
    assert.strictEqual((await usage).total_tokens, 7)
    await sleep(50)
    assert.strictEqual(eventsB.filter((e) => e.event === 'messages created').length, 1)
  })

  it('both instances publishing to one project: one seq sequence, and the typed client gets it all in order', async () => {
    const project = await createProject(a)
    const socket = await connected(b.socket())
    const client = createClient(socket, {
      logger: { debug: () => undefined, warn: () => undefined },
      gapTimeoutMs: 200
    })
    const names: string[] = []
    const seqs: number[] = []
    client.rooms.on('test_result', (event) => {
      names.push(event.name)
      seqs.push(event.seq!)
    })
    await client.rooms.subscribe(project.id)
    const publish = (server: TestServer, name: string) =>
      server.app.realtime.publish(project.id, 'test_result', { run_id: 1, name, ok: true, skipped: false })
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, i) => [publish(a, `a${i}`), publish(b, `b${i}`)]).flat()
    )
    // The two instances never handed out the same seq.
    const sentSeqs = sent.map((event) => event.seq!).sort((x, y) => x - y)
    assert.deepStrictEqual(
      sentSeqs,
      Array.from({ length: 200 }, (_, i) => i + 2)
    )
    await until(() => seqs.length >= 200, 'all 200 arrived', 10_000)
    await sleep(100)
    assert.deepStrictEqual(seqs, sentSeqs)
    // Each instance's own events kept their order.
    for (const prefix of ['a', 'b']) {
      const mine = names.filter((name) => name.startsWith(prefix))
      assert.deepStrictEqual(
        mine,
        Array.from({ length: 100 }, (_, i) => `${prefix}${i}`)
      )
    }
  })

  it('keeps projects apart across instances', async () => {
    const [mine, other] = [await createProject(a, 'mine'), await createProject(a, 'other')]
    const outside = await connected(b.socket())
    await subscribe(outside, other.id)
    const events = recordEvents(outside)
    const witness = await connected(b.socket())
    await subscribe(witness, mine.id)
    const delivered = waitForEvent(witness, 'sessions created')
    await createSession(a, mine.id)
    await delivered
    await sleep(50)
    assert.deepStrictEqual(
      events.filter((e) => e.event !== 'heartbeat'),
      []
    )
  })

  it('GET /connections and the heartbeat count every instance', async () => {
    const project = await createProject(a)
    const sockets = [a.socket(), b.socket(), b.socket()]
    await Promise.all(sockets.map((socket) => connected(socket)))
    await subscribe(sockets[0], project.id)
    await subscribe(sockets[1], project.id)

    for (const server of [a, b]) {
      const report = (await server.http.get('/connections')).data
      assert.strictEqual(report.active_connections, 3)
      assert.strictEqual(report.instances, 2)
      assert.strictEqual(report.complete, true)
      assert.deepStrictEqual(report.rooms, { [project.id]: 2 })
    }
    assert.strictEqual((await a.http.get('/connections')).data.instance_connections, 1)

    await until(async () => (await waitForEvent(sockets[0], 'heartbeat')).connections === 3, 'a beat counts 3')
    const beat = await waitForEvent(sockets[1], 'heartbeat')
    assert.strictEqual(beat.instances, 2)
    assert.strictEqual(beat.instance, 'b')
    assert.strictEqual(beat.instance_connections, 2)

    for (const socket of sockets) socket.disconnect()
    await until(async () => (await a.http.get('/connections')).data.active_connections === 0, 'all gone')
    assert.deepStrictEqual((await b.http.get('/connections')).data.rooms, {})
  })

  it('each socket gets one heartbeat per interval, from its own instance', async () => {
    const onA = await connected(a.socket())
    await connected(b.socket())
    await sleep(150)
    const events = recordEvents(onA)
    await sleep(500)
    const beats = events.filter((e) => e.event === 'heartbeat').map((e) => e.payload)
    assert.ok(beats.length >= 3 && beats.length <= 6, `got ${beats.length}`)
    assert.ok(beats.every((beat) => beat.instance === 'a'))
  })

  it('removing a project on one instance empties its room on the other', async () => {
    const project = await createProject(a)
    const onB = await connected(b.socket())
    await subscribe(onB, project.id)
    const removed = waitForEvent(onB, 'projects removed')
    await a.http.delete(`/projects/${project.id}`)
    await removed
    await until(async () => Object.keys((await b.http.get('/connections')).data.rooms).length === 0, 'room emptied')
  })
})
