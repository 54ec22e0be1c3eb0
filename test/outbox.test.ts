// Stored before sent, or not committed (src/outbox.ts): with the event log refusing writes, a
// change is rolled back and answered with a generic 500; a job's final state is written once the
// database takes it again. The log is made to refuse with a trigger, on SQLite and PostgreSQL alike.
import assert from 'assert'
import type { Knex } from 'knex'
import type { TestServer } from './helpers'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  sleep,
  startTestServer,
  subscribe,
  until
} from './helpers'

const isPostgres = (db: Knex) => /^(pg|postgres)/.test(String(db.client.config.client))

/** Makes the event log refuse the appends of one project (optionally: of one event name). */
async function breakLog(db: Knex, projectId: number, event?: string) {
  const when = `NEW.project_id = ${projectId}${event ? ` AND NEW.event = '${event}'` : ''}`
  if (isPostgres(db)) {
    await db.raw(`CREATE OR REPLACE FUNCTION vibecode_test_refuse() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'permission denied for table project_events'; END $$ LANGUAGE plpgsql`)
    await db.raw(`CREATE TRIGGER vibecode_test_refuse BEFORE INSERT ON project_events FOR EACH ROW WHEN (${when})
      EXECUTE FUNCTION vibecode_test_refuse()`)
  } else {
    await db.raw(`CREATE TRIGGER vibecode_test_refuse BEFORE INSERT ON project_events WHEN ${when}
      BEGIN SELECT RAISE(ABORT, 'permission denied for table project_events'); END`)
  }
}

async function repairLog(db: Knex) {
  await db.raw(
    isPostgres(db)
      ? 'DROP TRIGGER IF EXISTS vibecode_test_refuse ON project_events'
      : 'DROP TRIGGER IF EXISTS vibecode_test_refuse'
  )
}

describe('outbox: a change and its event commit together', function () {
  this.timeout(30_000)
  let server: TestServer
  let db: Knex

  before(async () => {
    server = await startTestServer()
    db = server.app.get('dbRoot')
  })
  afterEach(() => repairLog(db))
  after(() => server.stop())

  it('a PATCH whose event cannot be logged is rolled back and answered 500 without internals', async () => {
    const project = await createProject(server, 'before')
    const socket = await connected(server.socket())
    const ack = await subscribe(socket, project.id)
    const events = recordEvents(socket)

    await breakLog(db, project.id)
    const refused = await server.http.patch(`/projects/${project.id}`, { name: 'after' })
    assert.strictEqual(refused.status, 500)
    assert.strictEqual(refused.data.message, 'Internal server error')
    assert.doesNotMatch(JSON.stringify(refused.data), /permission|project_events|SQL|sqlite|trigger/i)
    assert.strictEqual((await server.http.get(`/projects/${project.id}`)).data.name, 'before', 'rolled back')
    await sleep(200)
    assert.deepStrictEqual(
      events.filter((e) => e.event !== 'heartbeat'),
      [],
      'nothing announced'
    )

    await repairLog(db)
    const accepted = await server.http.patch(`/projects/${project.id}`, { name: 'after' })
    assert.strictEqual(accepted.status, 200)
    await until(() => events.some((e) => e.event === 'projects patched'), 'the event')
    const patched = events.find((e) => e.event === 'projects patched')!.payload
    // No hole where the refused change was: the next seq after the subscription's.
    assert.strictEqual(patched.seq, ack.seq + 1)
    assert.strictEqual(patched.name, 'after')
  })

  it('a create whose event cannot be logged stores nothing', async () => {
    const project = await createProject(server)
    await breakLog(db, project.id, 'sessions created')
    const before = await db('sessions').where({ project_id: project.id }).count({ n: '*' }).first()
    const refused = await server.http.post(`/projects/${project.id}/sessions`, {})
    assert.strictEqual(refused.status, 500)
    const after = await db('sessions').where({ project_id: project.id }).count({ n: '*' }).first()
    assert.strictEqual(Number(after?.n), Number(before?.n))
  })

  it('a message whose state cannot be written ends failed once the database takes it again', async () => {
    const project = await createProject(server)
    const session = await createSession(server, project.id)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const events = recordEvents(socket)
    // The message is stored; every change the answer makes to it is refused for a while.
    await breakLog(db, project.id, 'messages patched')
    const posted = await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'Add a feature' })
    assert.strictEqual(posted.status, 201)
    await sleep(1500)
    assert.strictEqual(
      (await server.http.get(`/messages/${posted.data.id}`)).data.status,
      'pending',
      'nothing written yet'
    )

    await repairLog(db)
    await until(
      async () => (await server.http.get(`/messages/${posted.data.id}`)).data.status === 'failed',
      'the message ends failed',
      15_000
    )
    const message = (await server.http.get(`/messages/${posted.data.id}`)).data
    assert.doesNotMatch(JSON.stringify(message.error), /permission|project_events|SQL|sqlite/i)
    await until(
      () => events.some((e) => e.event === 'vibecode_error' && e.payload.message_id === posted.data.id),
      'vibecode_error'
    )
  })
})
