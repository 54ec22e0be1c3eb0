// Project events reach exactly the sockets subscribed to that project, once, from one encode.
import assert from 'assert'
import type { Packet } from 'socket.io-parser'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  sleep,
  startTestServer,
  subscribe,
  waitForEvent
} from './helpers'
import type { TestServer } from './helpers'
import { allowMadeUpEvents } from './contract-check'

describe('broadcast to project rooms', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  it('the seed flow: two subscribed clients get the identical message payload', async () => {
    const project = await createProject(server, 'WS Test')
    const session = await createSession(server, project.id)
    const [a, b] = [server.socket(), server.socket()]
    await Promise.all([connected(a), connected(b)])
    await Promise.all([subscribe(a, project.id), subscribe(b, project.id)])

    const received = Promise.all([waitForEvent(a, 'messages created'), waitForEvent(b, 'messages created')])
    const response = await server.http.post(`/sessions/${session.session_id}/messages`, { prompt: 'Add a new feature' })
    assert.strictEqual(response.status, 201)
    const [first, second] = await received

    // The stored message, plus the seq the project's event log gave the event.
    assert.deepStrictEqual(first, { ...response.data, seq: first.seq })
    assert.ok(Number.isInteger(first.seq))
    assert.deepStrictEqual(second, first)
    assert.strictEqual(first.session_id, session.session_id)
    assert.strictEqual(first.project_id, project.id)
    assert.strictEqual(first.prompt, 'Add a new feature')
  })

  it('a client subscribed to another project gets nothing of this one', async () => {
    const [mine, other] = [await createProject(server, 'mine'), await createProject(server, 'other')]
    const [inside, outside, unsubscribed] = [server.socket(), server.socket(), server.socket()]
    await Promise.all([connected(inside), connected(outside), connected(unsubscribed)])
    await subscribe(inside, mine.id)
    await subscribe(outside, other.id)
    const outsideEvents = recordEvents(outside)
    const unsubscribedEvents = recordEvents(unsubscribed)
    const insideEvents = recordEvents(inside)

    const session = await createSession(server, mine.id)
    await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'only for mine' })
    await server.http.patch(`/projects/${mine.id}`, { name: 'mine, renamed' })
    // An event for the other project proves the outside client was listening all along.
    const otherEvent = waitForEvent(outside, 'sessions created')
    const otherSession = await createSession(server, other.id)
    await otherEvent
    await sleep(50)

    // (The message also starts a vibecode job, whose events are tested in vibecode.test.ts.)
    const watched = ['sessions created', 'messages created', 'projects patched']
    assert.deepStrictEqual(
      insideEvents.filter((e) => watched.includes(e.event)).map((e) => e.event),
      watched
    )
    assert.deepStrictEqual(
      outsideEvents.filter((e) => e.event !== 'heartbeat').map((e) => [e.event, e.payload.id]),
      [['sessions created', otherSession.id]]
    )
    assert.deepStrictEqual(
      unsubscribedEvents.filter((e) => e.event !== 'heartbeat'),
      []
    )
  })

  it('publishes created, patched and removed events of projects, sessions and messages', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const events = recordEvents(socket)

    const session = await createSession(server, project.id)
    const message = (await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'p' })).data
    // Let its vibecode job finish first (its own events are tested in vibecode.test.ts).
    await waitForEvent(socket, 'vibecode_response')
    assert.strictEqual((await server.http.delete(`/messages/${message.id}`)).status, 200)
    assert.strictEqual((await server.http.delete(`/sessions/${session.id}`)).status, 200)
    const patched = waitForEvent(socket, 'projects patched')
    assert.strictEqual((await server.http.patch(`/projects/${project.id}`, { name: 'renamed' })).status, 200)
    await patched
    await sleep(50)

    const serviceEvents = events.filter(
      (e) => / (created|patched|removed)$/.test(e.event) && e.event !== 'messages patched'
    )
    assert.deepStrictEqual(
      serviceEvents.map((e) => [e.event, e.payload.id]),
      [
        ['sessions created', session.id],
        ['messages created', message.id],
        ['messages removed', message.id],
        ['sessions removed', session.id],
        ['projects patched', project.id]
      ]
    )
  })

  it('custom service events go through room channels too', async () => {
    // A service with a custom event, published the way channels.ts publishes ours.
    server.app.use(
      'notes' as any,
      {
        async get(id: number) {
          return { id }
        }
      } as any,
      { events: ['pinned'] }
    )
    server.app
      .service('notes' as any)
      .publish('pinned', (note: any) => server.app.realtime.projectChannel(note.project_id))
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const payload = { id: 7, project_id: project.id, note: 'custom' }
    allowMadeUpEvents('notes pinned')
    const received = waitForEvent(socket, 'notes pinned')
    server.app.service('notes' as any).emit('pinned', payload)
    const event = await received
    assert.deepStrictEqual(event, { ...payload, seq: event.seq })
  })

  it('the broadcast API sends typed events with type and project_id filled in', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const received = waitForEvent(socket, 'token_usage')
    const sent = await server.app.realtime.publish(project.id, 'token_usage', {
      session_id: 1,
      message_id: 2,
      input_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      final: false
    })
    const event = await received
    assert.deepStrictEqual(event, sent)
    assert.strictEqual(event.type, 'token_usage')
    assert.strictEqual(event.project_id, project.id)
    // token_usage is live-only: broadcast, not logged, no seq.
    assert.strictEqual('seq' in event, false)
  })

  it('encodes an event once, however many sockets are in the room', async () => {
    const project = await createProject(server)
    const sockets = Array.from({ length: 8 }, () => server.socket())
    await Promise.all(sockets.map((socket) => connected(socket)))
    await Promise.all(sockets.map((socket) => subscribe(socket, project.id)))

    const encoder = (server.app.io as any).encoder
    const encode = encoder.encode.bind(encoder)
    let encodes = 0
    encoder.encode = (packet: Packet) => {
      if (Array.isArray(packet.data) && packet.data[0] === 'sessions created') encodes++
      return encode(packet)
    }
    const all = Promise.all(sockets.map((socket) => waitForEvent(socket, 'sessions created')))
    await createSession(server, project.id)
    const payloads = await all
    encoder.encode = encode

    assert.strictEqual(payloads.length, 8)
    assert.strictEqual(encodes, 1)
  })

  it('removing a project tells its subscribers, then empties its room', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const removed = waitForEvent(socket, 'projects removed')
    assert.strictEqual((await server.http.delete(`/projects/${project.id}`)).status, 200)
    assert.strictEqual((await removed).id, project.id)

    const connections = await server.http.get('/connections')
    assert.deepStrictEqual(connections.data.rooms, {})
    assert.strictEqual(connections.data.active_connections, 1)
    // Its sessions and messages went with it.
    assert.strictEqual((await server.http.get(`/sessions`, { params: { project_id: project.id } })).data.total, 0)
  })
})
