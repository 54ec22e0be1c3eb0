// The contract check on real sockets: a producer whose payload drifts from its schema, or an event
// the catalog does not know, is caught on the socket that receives it (and would fail the test
// that runs it: here each test takes the violations itself, to assert them). Bad input answered
// with error acks passes as the error shape.
import assert from 'assert'
import { connected, createProject, startTestServer, subscribe, waitForEvent } from './helpers'
import type { TestServer } from './helpers'
import { takeViolations } from './contract-check'
import { projectRoom } from '../src/realtime/rooms'

describe('contract check on real sockets', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.stop())

  async function subscribedSocket() {
    const project = await createProject(server, 'contract')
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    return { project, socket }
  }

  it('catches a typed event whose producer adds a field its schema does not have', async () => {
    const { project, socket } = await subscribedSocket()
    const received = waitForEvent(socket, 'token_usage')
    // What a producer change without its schema looks like: the real broadcast path, one more field.
    const drifted = { session_id: 1, message_id: 2, input_tokens: 1, output_tokens: 1, total_tokens: 2, final: true }
    await server.app.realtime.publish(project.id, 'token_usage', { ...drifted, cost_usd: 0.01 } as typeof drifted)
    await received
    const found = takeViolations()
    assert.strictEqual(found.length, 1, found.join('\n'))
    assert.match(found[0], /'token_usage' payload does not match its schema: .*additional properties 'cost_usd'/)
  })

  it('catches a service event whose record gains a field (an after hook the schema does not know)', async () => {
    // Its own server: the hook stays on the service.
    const hooked = await startTestServer()
    try {
      const project = await createProject(hooked, 'contract')
      const socket = await connected(hooked.socket())
      await subscribe(socket, project.id)
      const addColor = (context: any) => void (context.result = { ...context.result, color: 'red' })
      hooked.app.service('projects').hooks({ after: { patch: [addColor] } })
      const received = waitForEvent(socket, 'projects patched')
      assert.strictEqual((await hooked.http.patch(`/projects/${project.id}`, { name: 'renamed' })).status, 200)
      assert.strictEqual((await received).color, 'red')
      const found = takeViolations()
      assert.ok(
        found.some((violation) => /'projects patched' payload .*additional properties 'color'/.test(violation)),
        found.join('\n')
      )
    } finally {
      await hooked.stop()
    }
  })

  it('catches an event name that is not in the catalog', async () => {
    const { project, socket } = await subscribedSocket()
    const received = waitForEvent(socket, 'project_renamed')
    server.app.realtime.io!.to(projectRoom(project.id)).emit('project_renamed', { project_id: project.id })
    await received
    const found = takeViolations()
    assert.strictEqual(found.length, 1)
    assert.match(found[0], /'project_renamed' is not in the event catalog/)
  })

  it('passes the error acks of bad subscribe and unsubscribe payloads, and of bad service calls', async () => {
    const socket = await connected(server.socket())
    const bad = [
      undefined,
      null,
      'x',
      [],
      {},
      { project_id: -1 },
      { project_id: 1, since: 'a' },
      { project_id: 999999 }
    ]
    for (const payload of bad) {
      const ack = await socket.timeout(5000).emitWithAck('subscribe', payload)
      assert.strictEqual(ack.ok, false, JSON.stringify(payload))
    }
    assert.strictEqual((await socket.timeout(5000).emitWithAck('unsubscribe', 'x')).ok, false)
    const [error] = await new Promise<any[]>((resolve) =>
      socket.emit('get', 'projects', 'nope', {}, (...a: any[]) => resolve(a))
    )
    assert.ok(error && error.code >= 400 && error.code < 500, JSON.stringify(error))
    assert.deepStrictEqual(takeViolations(), [])
  })
})
