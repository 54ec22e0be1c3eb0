// The event catalog and the validator every test runs (test/contract-check.ts): right payloads
// pass, drifted ones are violations, and a violation fails the running test.
import assert from 'assert'
import { BadRequest, GeneralError } from '@feathersjs/errors'
import { ROOM_SERVICES } from '../../src/channels'
import {
  CONTROL_EVENTS,
  EVENT_CATALOG,
  LIVE_ONLY_EVENTS,
  PRESENCE_EVENTS,
  PROJECT_EVENT_SCHEMAS,
  ROOM_SERVICE_EVENTS
} from '../../src/realtime/events'
import type { HeartbeatEvent, PresenceEntry, TokenUsageEvent } from '../../src/realtime/events'
import { errorAck } from '../../src/realtime/subscriptions'
import { heartbeatPayload } from '../../src/realtime/heartbeat'
import { ackViolations, eventViolations, mochaHooks, recordViolations, takeViolations } from '../contract-check'

const beat: HeartbeatEvent = heartbeatPayload({
  cluster: { connections: 2, instances: 1, complete: true },
  instance: 'host:1',
  instanceConnections: 2,
  rooms: 1,
  intervalMs: 1000,
  startedAt: Date.now() - 5000
})

const usage: TokenUsageEvent = {
  type: 'token_usage',
  project_id: 1,
  session_id: 2,
  message_id: 3,
  input_tokens: 10,
  output_tokens: 5,
  total_tokens: 15,
  final: false
}

const project = { id: 1, name: 'p', test_command: null, created_at: new Date().toISOString() }
const projectRecord = { ...project, updated_at: project.created_at }

describe('event catalog', () => {
  it('has every control, presence, typed project and room service event', () => {
    for (const name of [...Object.values(CONTROL_EVENTS), ...Object.values(PRESENCE_EVENTS)])
      assert.ok(EVENT_CATALOG[name], name)
    for (const name of Object.keys(PROJECT_EVENT_SCHEMAS)) assert.ok(EVENT_CATALOG[name], name)
    assert.deepStrictEqual(Object.keys(ROOM_SERVICE_EVENTS).sort(), [...ROOM_SERVICES].sort())
    for (const [path, events] of Object.entries(ROOM_SERVICE_EVENTS))
      for (const event of events) assert.ok(EVENT_CATALOG[`${path} ${event}`], `${path} ${event}`)
    assert.strictEqual(EVENT_CATALOG['sessions patched'], undefined)
    assert.strictEqual(EVENT_CATALOG['test-runs removed'], undefined)
  })

  it('logs every room event but the live-only ones; the client sends only subscribe and unsubscribe', () => {
    for (const [name, entry] of Object.entries(EVENT_CATALOG)) {
      if (name in PROJECT_EVENT_SCHEMAS) assert.strictEqual(entry.delivery === 'live', LIVE_ONLY_EVENTS.has(name), name)
      if (name.includes(' ')) assert.strictEqual(entry.delivery, 'logged', name)
    }
    const sent = Object.entries(EVENT_CATALOG).filter(([, entry]) => entry.sender === 'client')
    assert.deepStrictEqual(sent.map(([name]) => name).sort(), ['subscribe', 'unsubscribe'])
  })
})

describe('contract check: events', () => {
  it('passes payloads that match their schema', () => {
    assert.deepStrictEqual(eventViolations('heartbeat', [beat]), [])
    assert.deepStrictEqual(eventViolations('token_usage', [usage]), [])
    assert.deepStrictEqual(eventViolations('projects patched', [{ ...projectRecord, seq: 4 }]), [])
    const entry: PresenceEntry = {
      key: 'user:1',
      user_id: 1,
      email: 'a@b.c',
      name: 'a',
      connections: 2,
      since: beat.timestamp
    }
    assert.deepStrictEqual(eventViolations('presence_join', [{ project_id: 1, user: entry }]), [])
  })

  it('reports a field the schema does not have, a missing one and a wrong type, with the event name', () => {
    const [extra] = eventViolations('heartbeat', [{ ...beat, load: 0.5 }])
    assert.match(extra, /'heartbeat' payload does not match its schema: .*must NOT have additional properties 'load'/)
    const { connections: _, ...missing } = beat
    assert.match(eventViolations('heartbeat', [missing])[0], /must have required property 'connections'/)
    assert.match(
      eventViolations('token_usage', [{ ...usage, total_tokens: '15' }])[0],
      /\/total_tokens must be integer/
    )
    assert.match(
      eventViolations('heartbeat', [{ ...beat, timestamp: 'yesterday' }])[0],
      /must match format "date-time"/
    )
  })

  it('requires the seq on logged events and refuses it on live-only ones', () => {
    assert.match(eventViolations('projects patched', [projectRecord])[0], /required property 'seq'/)
    assert.match(eventViolations('token_usage', [{ ...usage, seq: 3 }])[0], /additional properties 'seq'/)
  })

  it('reports an event that is not in the catalog, a client event sent by the server, extra arguments', () => {
    assert.match(eventViolations('project_renamed', [{}])[0], /'project_renamed' is not in the event catalog/)
    assert.match(eventViolations('toString', [{}])[0], /not in the event catalog/)
    assert.match(eventViolations('subscribe', [{ project_id: 1 }])[0], /client event, but the server sent it/)
    assert.match(eventViolations('heartbeat', [beat, 1])[0], /2 arguments/)
  })
})

describe('contract check: acks', () => {
  it('subscribe acks: ok ones, and error acks as the server builds them for bad input', () => {
    const ok = { ok: true, project_id: 1, room: 'project:1', subscribed: true, seq: 0, epoch: 'e' }
    assert.deepStrictEqual(ackViolations(['subscribe', { project_id: 1 }], [ok]), [])
    assert.deepStrictEqual(ackViolations(['subscribe', null], [errorAck(new BadRequest('bad', { since: -1 }))]), [])
    // An unexpected error becomes a 500 without internals; the rate limits send the whole toJSON().
    assert.deepStrictEqual(ackViolations(['unsubscribe', 1], [errorAck(new Error('SELECT * FROM x'))]), [])
    assert.deepStrictEqual(ackViolations(['subscribe', 1], [{ ok: false, error: new GeneralError('x').toJSON() }]), [])
  })

  it('reports a drifted subscribe ack and an error ack that leaks a stack', () => {
    const ok = { ok: true, project_id: 1, room: 'project:1', subscribed: true, members: 3 }
    assert.match(ackViolations(['subscribe', { project_id: 1 }], [ok])[0], /the 'subscribe' ack does not match/)
    const leak = { ok: false, error: { name: 'Error', code: 500, message: 'boom', stack: 'at db.ts:1' } }
    assert.match(ackViolations(['subscribe', 1], [leak])[0], /additional properties 'stack'/)
  })

  it('service calls: Feathers error JSON, and records of the room services', () => {
    assert.deepStrictEqual(ackViolations(['create', 'projects', {}], [new BadRequest('no').toJSON()]), [])
    assert.deepStrictEqual(ackViolations(['get', 'projects', 1], [null, projectRecord]), [])
    assert.deepStrictEqual(ackViolations(['find', 'projects', {}], [null, { total: 0, data: [] }]), [])
    const stack = { ...new GeneralError('x').toJSON(), stack: 'Error: x\n    at /work/main/src/app.ts:1' }
    assert.match(ackViolations(['get', 'projects', 1], [stack])[0], /the error of get projects .*'stack'/)
    assert.match(ackViolations(['patch', 'projects', 1], [null, { ...projectRecord, owner: 1 }])[0], /'owner'/)
  })
})

describe('contract check: the root hook', () => {
  it('fails the running test with what was recorded, then forgets it', () => {
    const errors: Error[] = []
    const context = { test: { error: (error: Error) => errors.push(error) } } as unknown as Mocha.Context
    recordViolations(eventViolations('heartbeat', [{ ...beat, load: 1 }]))
    mochaHooks.afterEach.call(context)
    assert.strictEqual(errors.length, 1)
    assert.match(errors[0].message, /Socket event contract violated[\s\S]*'load'/)
    mochaHooks.afterEach.call(context)
    assert.strictEqual(errors.length, 1)
    assert.deepStrictEqual(takeViolations(), [])
  })
})
