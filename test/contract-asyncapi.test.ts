// GET /asyncapi.json (issue 13): the served AsyncAPI 3.0 document validates with the official
// parser, lists every event of the catalog with the room it goes to, and its payload schemas -
// taken from the served JSON, as a frontend would - accept the payloads real clients receive
// during a real flow (subscribe, a vibecode answer, a test run, a project deleted).
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { Parser } from '@asyncapi/parser'
import axios from 'axios'
import { Ajv, addFormats } from '@feathersjs/schema'
import { EVENT_CATALOG, LIVE_ONLY_EVENTS } from '../src/realtime/events'
import { messageKey } from '../src/contract/asyncapi'
import { connected, createProject, createSession, startTestServer, subscribe, waitForEvent } from './helpers'
import type { TestServer } from './helpers'
import { TEST_AUTH_SECRET } from './helpers'

type Doc = Record<string, any>

/** What the parser finds wrong: diagnostics of severity error (0). */
async function parserErrors(doc: Doc) {
  const diagnostics = await new Parser().validate(JSON.stringify(doc))
  return diagnostics.filter((d) => d.severity === 0).map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)
}

describe('GET /asyncapi.json', () => {
  let server: TestServer
  let root: string

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-asyncapi-'))
    server = await startTestServer({
      simulatedTokensPerSecond: 1500,
      positionIntervalMs: 200,
      testWorkspaceRoot: root,
      testCommandAllowlist: ['node']
    } as any)
  })
  after(async () => {
    await server.stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  const served = async () => {
    // Without credentials: the document is public.
    const response = await axios.get(`${server.url}/asyncapi.json`, { validateStatus: () => true })
    assert.strictEqual(response.status, 200, JSON.stringify(response.data))
    assert.match(String(response.headers['content-type']), /^application\/json/)
    return response.data as Doc
  }

  it('is an AsyncAPI 3.0 document the official parser finds no error in', async () => {
    const doc = await served()
    assert.strictEqual(doc.asyncapi, '3.0.0')
    assert.deepStrictEqual(await parserErrors(doc), [])
    assert.strictEqual(doc.servers.api.protocol, 'ws')
    assert.strictEqual(doc.channels.projectRoom.address, 'project:{project_id}')
  })

  it('lists every catalog event with its payload, its room and its delivery', async () => {
    const doc = await served()
    for (const [event, entry] of Object.entries(EVENT_CATALOG)) {
      const key = messageKey(event)
      const message = doc.components.messages[key]
      assert.ok(message, `${event} has no message`)
      assert.strictEqual(message.name, event)
      assert.strictEqual(message.payload.type === 'object' || Array.isArray(message.payload.anyOf), true, event)
      const channel = entry.to === 'project_room' ? 'projectRoom' : entry.to === 'all_sockets' ? 'everyone' : 'socket'
      assert.ok(doc.channels[channel].messages[key], `${event} is not on the ${channel} channel`)
      const operation = doc.operations[entry.sender === 'client' ? key : `on_${key}`]
      assert.strictEqual(operation.action, entry.sender === 'client' ? 'send' : 'receive', event)
      assert.deepStrictEqual(operation.messages, [{ $ref: `#/channels/${channel}/messages/${key}` }])
      if (entry.ack) assert.ok(operation.reply.messages.length === 1, `${event} has no ack reply`)
      if (entry.sender === 'server') {
        assert.match(operation.description, entry.delivery === 'logged' ? /Logged: carries .*seq/ : /Live-only/)
      }
      // Logged events carry the seq; live-only progress events do not.
      if (entry.delivery === 'logged') assert.ok(message.payload.required.includes('seq'), event)
      if (LIVE_ONLY_EVENTS.has(event)) assert.strictEqual(message.payload.properties.seq, undefined, event)
    }
    const named = Object.values(doc.components.messages).map((message: any) => message.name)
    for (const name of named) assert.ok(name in EVENT_CATALOG, `${name} is in the document but not in the catalog`)
  })

  it('accepts the payloads clients receive in a real flow (schemas taken from the served document)', async () => {
    const doc = await served()
    const ajv = addFormats(new Ajv({ allErrors: true, strict: false }), ['date-time'])
    const received: { event: string; payload: unknown }[] = []
    const project = await createProject(server, 'AsyncAPI flow')
    const socket = await connected(server.socket())
    socket.onAny((event, payload) => received.push({ event, payload }))
    const acks = [await subscribe(socket, project.id)]
    acks.push(await socket.timeout(5000).emitWithAck('subscribe', { project_id: 'not an id' }))

    // A vibecode answer (simulated provider): messages created/patched, token_usage, vibecode_response.
    const session = await createSession(server, project.id)
    const response = waitForEvent(socket, 'vibecode_response', 10_000)
    await server.http.post(`/sessions/${session.session_id}/messages`, { prompt: 'Add a greeting helper' })
    await response
    // A test run of the fixture suite: test-runs created/patched, test_started … test_completed.
    fs.cpSync(path.join(__dirname, 'fixtures', 'suite'), path.join(root, String(project.id)), { recursive: true })
    await server.http.patch(`/projects/${project.id}`, {
      test_command: ['node', '--test', '--test-reporter=tap', 'passing.test.js']
    })
    const completed = waitForEvent(socket, 'test_completed', 15_000)
    assert.strictEqual((await server.http.post(`/projects/${project.id}/test-runs`)).status, 201)
    await completed
    await waitForEvent(socket, 'stream_position')
    // The project goes: projects removed, then subscription_revoked.
    const revoked = waitForEvent(socket, 'subscription_revoked')
    await server.http.delete(`/projects/${project.id}`)
    await revoked

    const expected = ['heartbeat', 'sessions created', 'messages created', 'messages patched', 'token_usage']
    expected.push('vibecode_response', 'projects patched', 'test-runs created', 'test_started', 'test_output')
    expected.push('test_result', 'test_completed', 'stream_position', 'projects removed', 'subscription_revoked')
    const names = new Set(received.map((r) => r.event))
    for (const name of expected) assert.ok(names.has(name), `no ${name} received (got ${[...names].join(', ')})`)

    const schemaOf = (event: string) => doc.components.messages[messageKey(event)]?.payload
    for (const { event, payload } of received) {
      const schema = schemaOf(event)
      assert.ok(schema, `the document has no message ${event}`)
      assert.ok(ajv.validate(schema, payload), `${event}: ${ajv.errorsText()} in ${JSON.stringify(payload)}`)
    }
    const ackSchema = doc.components.messages[`${messageKey('subscribe')}_ack`].payload
    for (const ack of acks) assert.ok(ajv.validate(ackSchema, ack), `subscribe ack: ${ajv.errorsText()}`)
    assert.strictEqual(acks[1].ok, false)
  })

  it('is public with AUTH=required and names the handshake token there', async () => {
    const locked = await startTestServer({ auth: 'required', authSecret: TEST_AUTH_SECRET })
    try {
      const response = await axios.get(`${locked.url}/asyncapi.json`, { validateStatus: () => true })
      assert.strictEqual(response.status, 200)
      const doc = response.data as Doc
      assert.deepStrictEqual(doc.servers.api.security, [{ $ref: '#/components/securitySchemes/handshakeToken' }])
      assert.match(doc.components.securitySchemes.handshakeToken.description, /auth: \{ token \}/)
      assert.deepStrictEqual(await parserErrors(doc), [])
    } finally {
      await locked.stop()
    }
  })
})
