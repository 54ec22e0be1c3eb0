// subscribe / unsubscribe over raw socket.io and over the Feathers client; every bad payload is
// answered with an error ack and leaves the socket and the server working.
import assert from 'assert'
import { createClient } from '../src/client'
import { connected, createProject, createSession, sleep, startTestServer, subscribe, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

describe('subscribe and unsubscribe', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  it('acks a subscription with the project and its room', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const ack = await socket.emitWithAck('subscribe', { project_id: project.id })
    // seq 1: the project's only logged event so far is its `projects created`.
    // epoch: the name of the project's stream, sent back with `since` to resume.
    assert.match(ack.epoch, /^[0-9a-f]{12}$/)
    assert.deepStrictEqual(ack, {
      ok: true,
      project_id: project.id,
      room: `project:${project.id}`,
      subscribed: true,
      seq: 1,
      epoch: ack.epoch,
      // Who is in the room (presence.test.ts): this socket alone.
      presence: [{ ...ack.presence[0], connections: 1 }]
    })
    const connections = await server.http.get('/connections')
    assert.deepStrictEqual(connections.data.rooms, { [project.id]: 1 })
  })

  it('takes the id as a decimal string too', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const ack = await socket.emitWithAck('subscribe', { project_id: String(project.id) })
    assert.strictEqual(ack.ok, true)
    assert.strictEqual(ack.project_id, project.id)
  })

  it('without an ack callback, answers with a subscribe_result event', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const result = waitForEvent(socket, 'subscribe_result')
    socket.emit('subscribe', { project_id: project.id })
    const answer = await result
    assert.deepStrictEqual(answer, {
      ok: true,
      project_id: project.id,
      room: `project:${project.id}`,
      subscribed: true,
      seq: 1,
      epoch: answer.epoch,
      presence: [{ ...answer.presence[0], connections: 1 }]
    })
    const failure = waitForEvent(socket, 'subscribe_result')
    socket.emit('subscribe', { project_id: 'nope' })
    assert.strictEqual((await failure).ok, false)
  })

  const badPayloads: [string, unknown[], number, RegExp][] = [
    ['no payload', [], 400, /needs a payload/],
    ['an empty object', [{}], 400, /missing project_id/],
    ['null', [null], 400, /must be an object.*null/],
    ['a string', ['42'], 400, /must be an object.*string/],
    ['a number', [42], 400, /must be an object.*number/],
    ['an array', [[{ project_id: 1 }]], 400, /must be an object.*array/],
    ['a boolean id', [{ project_id: true }], 400, /positive integer.*boolean/],
    ['an object id', [{ project_id: { $gt: 0 } }], 400, /positive integer.*object/],
    ['a negative id', [{ project_id: -3 }], 400, /positive integer/],
    ['a fractional id', [{ project_id: 1.5 }], 400, /positive integer/],
    ['a non-numeric string id', [{ project_id: 'abc' }], 400, /positive integer/],
    ['an unknown project', [{ project_id: 987654 }], 404, /Project 987654 does not exist/]
  ]

  for (const [label, args, code, message] of badPayloads) {
    it(`answers ${label} with a ${code} error ack and keeps serving`, async () => {
      const project = await createProject(server)
      const socket = await connected(server.socket())
      const ack = await socket.timeout(2000).emitWithAck('subscribe', ...args)
      assert.strictEqual(ack.ok, false)
      assert.strictEqual(ack.error.code, code)
      assert.match(ack.error.message, message)
      assert.deepStrictEqual((await server.http.get('/connections')).data.rooms, {})
      // The same socket still works.
      assert.strictEqual((await subscribe(socket, project.id)).ok, true)
      assert.strictEqual(socket.connected, true)
    })
  }

  it('answers bad unsubscribe payloads with an error ack too', async () => {
    const socket = await connected(server.socket())
    for (const args of [[], [null], ['x'], [{}], [{ project_id: false }]]) {
      const ack = await socket.timeout(2000).emitWithAck('unsubscribe', ...args)
      assert.strictEqual(ack.ok, false, JSON.stringify(args))
      assert.strictEqual(ack.error.code, 400)
    }
    assert.strictEqual(socket.connected, true)
  })

  it('unsubscribe stops the events and empties the room', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const ack = await socket.emitWithAck('unsubscribe', { project_id: project.id })
    assert.deepStrictEqual(ack, {
      ok: true,
      project_id: project.id,
      room: `project:${project.id}`,
      subscribed: false,
      was_subscribed: true
    })
    const again = await socket.emitWithAck('unsubscribe', { project_id: project.id })
    assert.strictEqual(again.was_subscribed, false)

    let received = 0
    socket.on('sessions created', () => received++)
    // A second, still subscribed socket tells us when the event has gone out.
    const witness = await connected(server.socket())
    await subscribe(witness, project.id)
    const delivered = waitForEvent(witness, 'sessions created')
    await createSession(server, project.id)
    await delivered
    await sleep(50)
    assert.strictEqual(received, 0)
    witness.disconnect()
    await sleep(50)
    assert.deepStrictEqual((await server.http.get('/connections')).data.rooms, {})
  })

  it('subscribing twice is one membership', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    await subscribe(socket, project.id)
    let received = 0
    socket.on('sessions created', () => received++)
    const delivered = waitForEvent(socket, 'sessions created')
    await createSession(server, project.id)
    await delivered
    await sleep(50)
    assert.strictEqual(received, 1)
    assert.deepStrictEqual((await server.http.get('/connections')).data.rooms, { [project.id]: 1 })
  })

  describe('through the Feathers client (subscriptions service)', () => {
    it('create joins the room, find lists it, remove leaves it', async () => {
      const project = await createProject(server)
      const socket = await connected(server.socket())
      const client = createClient(socket)
      const subscriptions = client.service('subscriptions')

      const created = await subscriptions.create({ project_id: project.id })
      assert.deepStrictEqual(created, {
        ok: true,
        project_id: project.id,
        room: `project:${project.id}`,
        subscribed: true,
        seq: 1,
        epoch: created.epoch,
        presence: [{ ...created.presence![0], connections: 1 }]
      })
      assert.deepStrictEqual(await subscriptions.find(), [{ room: `project:${project.id}`, project_id: project.id }])

      const event = new Promise((resolve) => client.service('messages').once('created', resolve))
      const session = await client.projectSessions(project.id).create({})
      const message = await client.sessionMessages(session.id).create({ prompt: 'hi' })
      assert.deepStrictEqual(await event, { ...message, seq: 3 })

      const removed = await subscriptions.remove(project.id)
      assert.strictEqual(!Array.isArray(removed) && removed.subscribed, false)
      assert.deepStrictEqual(await subscriptions.find(), [])
    })

    it('rejects bad data with a BadRequest the client can read', async () => {
      const socket = await connected(server.socket())
      const client = createClient(socket)
      await assert.rejects(client.service('subscriptions').create({ project_id: 'x' }), (error: any) => {
        assert.strictEqual(error.code, 400)
        assert.match(error.message, /positive integer/)
        return true
      })
      await assert.rejects(client.service('subscriptions').create({ project_id: 424242 }), { code: 404 })
    })

    it('over REST there is no socket to subscribe: 400', async () => {
      const response = await server.http.post('/subscriptions', { project_id: 1 })
      assert.strictEqual(response.status, 400)
      assert.match(response.data.message, /socket\.io connection/)
    })
  })
})
