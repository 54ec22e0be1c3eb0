// The REST contract of projects, sessions and messages, and GET /connections; bad bodies get a
// 4xx with a message and write nothing.
import assert from 'assert'
import { connected, createProject, createSession, startTestServer, subscribe } from './helpers'
import type { TestServer } from './helpers'

describe('REST services', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  const count = async (table: string) => Number((await server.app.get('dbClient')(table).count({ n: '*' }))[0].n)

  describe('projects', () => {
    it('create, get, find, patch, remove', async () => {
      const created = await server.http.post('/projects', { name: 'Alpha' })
      assert.strictEqual(created.status, 201)
      assert.strictEqual(created.data.name, 'Alpha')
      assert.ok(Number.isInteger(created.data.id))
      assert.ok(!Number.isNaN(Date.parse(created.data.created_at)))

      const fetched = await server.http.get(`/projects/${created.data.id}`)
      assert.deepStrictEqual(fetched.data, created.data)

      const found = await server.http.get('/projects', { params: { name: 'Alpha' } })
      assert.ok(found.data.data.some((project: any) => project.id === created.data.id))

      const patched = await server.http.patch(`/projects/${created.data.id}`, { name: 'Beta' })
      assert.strictEqual(patched.status, 200)
      assert.strictEqual(patched.data.name, 'Beta')
      assert.ok(patched.data.updated_at >= created.data.updated_at)

      assert.strictEqual((await server.http.delete(`/projects/${created.data.id}`)).status, 200)
      assert.strictEqual((await server.http.get(`/projects/${created.data.id}`)).status, 404)
    })

    const badProjects: [string, unknown, RegExp][] = [
      ['no name', {}, /name is required/],
      ['an empty name', { name: '' }, /name must not be empty/],
      ['a blank name', { name: '   ' }, /name must not be blank/],
      ['a non-string name', { name: 42 }, /name must be string/],
      ['a name over 200 characters', { name: 'x'.repeat(201) }, /name must NOT have more than 200 characters/],
      ['an unknown field', { name: 'ok', owner: 'me' }, /unknown field 'owner'/],
      ['an array body', [{ name: 'a' }], /not an array/]
    ]
    for (const [label, body, message] of badProjects) {
      it(`answers ${label} with 400 and writes nothing`, async () => {
        const before = await count('projects')
        const response = await server.http.post('/projects', body)
        assert.strictEqual(response.status, 400)
        assert.strictEqual(response.data.name, 'BadRequest')
        assert.match(response.data.message, message)
        assert.strictEqual(await count('projects'), before)
      })
    }

    it('answers broken JSON with 400, not 500', async () => {
      const response = await server.http.post('/projects', '{"name": ', {
        headers: { 'content-type': 'application/json' }
      })
      assert.strictEqual(response.status, 400)
      assert.ok(response.data.message)
    })

    it('a 200-character name is fine; a patch cannot change the id', async () => {
      const project = await createProject(server, 'y'.repeat(200))
      const response = await server.http.patch(`/projects/${project.id}`, { id: 999 })
      assert.strictEqual(response.status, 400)
      assert.match(response.data.message, /unknown field 'id'/)
    })

    it('404 for ids that do not exist or are not ids', async () => {
      for (const id of ['999999', 'abc', '-1', '1.5']) {
        const response = await server.http.get(`/projects/${id}`)
        assert.strictEqual(response.status, 404, id)
        assert.strictEqual(response.data.name, 'NotFound')
      }
    })

    it('rejects a query on an unknown field with 400', async () => {
      const response = await server.http.get('/projects', { params: { secret: 1 } })
      assert.strictEqual(response.status, 400)
    })
  })

  describe('sessions', () => {
    it('POST /projects/:project_id/sessions answers 201 with session_id, id, project_id, created_at', async () => {
      const project = await createProject(server)
      const response = await server.http.post(`/projects/${project.id}/sessions`)
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(Object.keys(response.data).sort(), ['created_at', 'id', 'project_id', 'session_id'])
      assert.strictEqual(response.data.session_id, response.data.id)
      assert.strictEqual(response.data.project_id, project.id)
    })

    it("lists a project's sessions and only those", async () => {
      const [a, b] = [await createProject(server, 'a'), await createProject(server, 'b')]
      const mine = [await createSession(server, a.id), await createSession(server, a.id)]
      await createSession(server, b.id)
      const response = await server.http.get(`/projects/${a.id}/sessions`)
      assert.strictEqual(response.status, 200)
      assert.deepStrictEqual(response.data.data.map((s: any) => s.id).sort(), mine.map((s) => s.id).sort())
      assert.strictEqual(response.data.total, 2)
    })

    it('404 for an unknown project, writing nothing', async () => {
      const before = await count('sessions')
      for (const id of ['999999', 'abc']) {
        const response = await server.http.post(`/projects/${id}/sessions`)
        assert.strictEqual(response.status, 404)
        assert.match(response.data.message, /Project .* does not exist/)
        assert.strictEqual((await server.http.get(`/projects/${id}/sessions`)).status, 404)
      }
      assert.strictEqual(await count('sessions'), before)
    })

    it('400 for a body that is not an object or has unknown fields', async () => {
      const project = await createProject(server)
      const before = await count('sessions')
      const array = await server.http.post(`/projects/${project.id}/sessions`, [1])
      assert.strictEqual(array.status, 400)
      const unknown = await server.http.post(`/projects/${project.id}/sessions`, { title: 'x' })
      assert.strictEqual(unknown.status, 400)
      assert.match(unknown.data.message, /unknown field 'title'/)
      assert.strictEqual(await count('sessions'), before)
    })
  })

  describe('messages', () => {
    it('POST /sessions/:session_id/messages answers 201 with the stored message', async () => {
      const project = await createProject(server)
      const session = await createSession(server, project.id)
      const response = await server.http.post(`/sessions/${session.session_id}/messages`, { prompt: 'Add a feature' })
      assert.strictEqual(response.status, 201)
      assert.deepStrictEqual(Object.keys(response.data).sort(), [
        'created_at',
        'duration_ms',
        'error',
        'id',
        'model',
        'patch',
        'project_id',
        'prompt',
        'provider',
        'session_id',
        'status',
        'token_usage',
        'updated_at'
      ])
      assert.strictEqual(response.data.session_id, session.id)
      assert.strictEqual(response.data.project_id, project.id)
      assert.strictEqual(response.data.prompt, 'Add a feature')
      // Stored before the model is asked; the answer comes later (vibecode.test.ts).
      assert.strictEqual(response.data.status, 'pending')
      assert.strictEqual(response.data.patch, null)
      const stored = await server.http.get(`/messages/${response.data.id}`)
      assert.strictEqual(stored.data.prompt, 'Add a feature')
      const listed = await server.http.get(`/sessions/${session.id}/messages`)
      assert.deepStrictEqual(
        listed.data.data.map((m: any) => m.id),
        [response.data.id]
      )
    })

    it('404 for an unknown session, writing nothing', async () => {
      const before = await count('messages')
      const response = await server.http.post('/sessions/999999/messages', { prompt: 'x' })
      assert.strictEqual(response.status, 404)
      assert.match(response.data.message, /Session 999999 does not exist/)
      assert.strictEqual(await count('messages'), before)
    })

    const badPrompts: [string, unknown, RegExp][] = [
      ['a missing prompt', {}, /prompt is required/],
      ['an empty prompt', { prompt: '' }, /prompt must not be empty/],
      ['a blank prompt', { prompt: ' \n\t ' }, /prompt must not be blank/],
      ['a numeric prompt', { prompt: 42 }, /prompt must be string/],
      ['a null prompt', { prompt: null }, /prompt must be string/],
      ['an object prompt', { prompt: { text: 'x' } }, /prompt must be string/],
      ['a string body', 'Add a feature', /JSON object/],
      ['an array body', [{ prompt: 'x' }], /JSON object/],
      ['an unknown field', { prompt: 'x', model: 'gpt' }, /unknown field 'model'/]
    ]
    for (const [label, body, message] of badPrompts) {
      it(`answers ${label} with 400 and writes nothing`, async () => {
        const project = await createProject(server)
        const session = await createSession(server, project.id)
        const before = await count('messages')
        const response = await server.http.post(`/sessions/${session.id}/messages`, body, {
          headers: { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' }
        })
        assert.strictEqual(response.status, 400, JSON.stringify(response.data))
        assert.match(response.data.message, message)
        assert.strictEqual(await count('messages'), before)
      })
    }
  })

  it('GET /connections answers the count and rooms', async () => {
    const empty = await server.http.get('/connections')
    assert.strictEqual(empty.status, 200)
    assert.strictEqual(empty.data.active_connections, 0)
    assert.deepStrictEqual(empty.data.rooms, {})

    const [a, b] = [await createProject(server, 'a'), await createProject(server, 'b')]
    const sockets = [server.socket(), server.socket()]
    await Promise.all(sockets.map((socket) => connected(socket)))
    await subscribe(sockets[0], a.id)
    await subscribe(sockets[1], a.id)
    await subscribe(sockets[1], b.id)
    const busy = await server.http.get('/connections')
    assert.strictEqual(busy.status, 200)
    assert.strictEqual(busy.data.active_connections, 2)
    assert.deepStrictEqual(busy.data.rooms, { [a.id]: 2, [b.id]: 1 })
  })

  it('unknown paths answer 404 JSON', async () => {
    const response = await server.http.get('/nope')
    assert.strictEqual(response.status, 404)
    assert.strictEqual(response.data.name, 'NotFound')
  })
})
