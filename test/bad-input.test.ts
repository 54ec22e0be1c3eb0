// The cases the fuzz test (fuzz.test.ts) found, one by one, so a failure names its cause (issue 8
// items 5 and 2): path segments named after Object.prototype members are plain ids or unknown
// routes (404), never a router TypeError; ids, $skip/$limit and numbers beyond the integer
// columns are a 400 with a message (a path id a 404); socket calls to methods a service does not
// offer, unknown events and calls missing their arguments get their error ack at once; a
// database error reaches a client as a generic 500 over REST and socket.io alike (the detail in
// the log), while the services' own 4xx (409 for a taken email) stay what they are.
import assert from 'assert'
import { KnexService } from '@feathersjs/knex'
import type { Socket } from 'socket.io-client'
import { connected, createProject, createSession, startTestServer } from './helpers'
import type { TestServer } from './helpers'

const PROTOTYPE_PATHS = [
  '/projects/__proto__',
  '/projects/constructor',
  '/projects/toString',
  '/sessions/toString/messages',
  '/projects/hasOwnProperty/sessions',
  '/projects/1/members/valueOf',
  '/hasOwnProperty',
  '/__proto__',
  '/constructor/prototype',
  '/projects/%5F%5Fproto%5F%5F'
]

/** An ack within 2 s, as all of its arguments; fails the test when none comes. */
function call(socket: Socket, event: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    socket
      .timeout(2000)
      .emit(event, ...args, (timeout: Error | null, ...answer: unknown[]) =>
        timeout ? reject(new Error(`no ack for ${event} ${JSON.stringify(args)}`)) : resolve(answer)
      )
  })
}

describe('bad input gets a 4xx, database errors a generic 500', () => {
  let server: TestServer
  let socket: Socket
  let projectId: number
  const logged: unknown[] = []

  before(async () => {
    server = await startTestServer()
    // A service over a table that does not exist: every call is a real driver error.
    server.app.use('broken' as any, new KnexService({ Model: server.app.get('dbClient'), name: 'no_such_table_xyz' }))
    const logger = (server.app as any).logger
    if (logger) logger.error = (fields: { err?: unknown }) => logged.push(fields.err)
    projectId = (await createProject(server)).id
    await createSession(server, projectId)
    socket = await connected(server.socket())
  })
  after(() => server.stop())

  for (const method of ['get', 'post', 'patch', 'delete'] as const) {
    it(`${method.toUpperCase()} on paths named after Object.prototype members: a 4xx, no TypeError`, async () => {
      for (const path of PROTOTYPE_PATHS) {
        const response = await server.http[method](path, method === 'get' || method === 'delete' ? undefined : {})
        // A GET finds no such record or route; a write may be refused first (its body, its method).
        const expected = method === 'get' ? [404] : [400, 404, 405]
        assert.ok(expected.includes(response.status), `${path}: ${response.status} ${JSON.stringify(response.data)}`)
        assert.strictEqual(typeof response.data.message, 'string', path)
      }
    })
  }

  it('a socket call on such a path is a 404 too', async () => {
    for (const path of ['__proto__', 'constructor', 'projects/toString/sessions']) {
      const [error] = (await call(socket, 'find', path, {})) as [{ code: number }]
      assert.strictEqual(error.code, 404, path)
    }
    const [error] = (await call(socket, 'get', 'projects', 'constructor')) as [{ code: number }]
    assert.strictEqual(error.code, 404)
  })

  it('out-of-range $skip, $limit and ids: 400 with a message (a path id: 404)', async () => {
    const cases: [string, number, RegExp][] = [
      ['/projects?$skip=1e20', 400, /\$skip must be a whole number from 0 to 2147483647/],
      ['/projects?$skip=1.5', 400, /\$skip must be a whole number/],
      ['/projects?$limit=-1', 400, /\$limit/],
      ['/projects?$limit=1e20', 400, /\$limit must be a whole number/],
      ['/projects?id=1e20', 400, /id is out of range/],
      ['/projects?id[$in][]=99999999999', 400, /id\.\$in\.0 is out of range/],
      ['/messages?session_id[$gt]=-99999999999', 400, /session_id\.\$gt is out of range/],
      ['/projects/1e20', 404, /No record found/],
      ['/projects/99999999999', 404, /No record found/],
      ['/projects/2147483648/sessions', 404, /does not exist/]
    ]
    for (const [path, status, message] of cases) {
      const response = await server.http.get(path)
      assert.strictEqual(response.status, status, `${path}: ${JSON.stringify(response.data)}`)
      assert.match(response.data.message, message, path)
    }
    const member = await server.http.post(`/projects/${projectId}/members`, { user_id: 1e20, role: 'viewer' })
    assert.strictEqual(member.status, 400, JSON.stringify(member.data))
    assert.match(member.data.message, /user_id is out of range/)
  })

  it('a body with thousands of unknown fields is answered at once, naming the first 20', async () => {
    const body = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`field${i}`, i]))
    const started = Date.now()
    const response = await server.http.post('/projects', body)
    assert.strictEqual(response.status, 400)
    assert.ok(Date.now() - started < 5000, `${Date.now() - started} ms`)
    assert.match(response.data.message, /the first 20 shown/)
    assert.strictEqual(response.data.data.length, 20)
  })

  it('socket calls to methods not offered and unknown events: an error ack at once', async () => {
    const expect405 = async (event: string, ...args: unknown[]) => {
      const [error] = (await call(socket, event, ...args)) as [{ code: number; name: string }]
      assert.strictEqual(error.code, 405, `${event} ${JSON.stringify(args)}: ${JSON.stringify(error)}`)
    }
    await expect405('update', 'projects', projectId, { name: 'x' }, {})
    await expect405('setup', 'projects')
    await expect405('hooks', 'projects', {})
    await expect405('__proto__', 'projects')
    await expect405('patch', 'sessions', 1, {}) // sessions offer no patch
    await expect405('remove', 'users', 1) // nor users a remove
    const [answer] = (await call(socket, 'no-such-event', { project_id: 1 })) as [
      { ok: boolean; error: { code: number } }
    ]
    assert.deepStrictEqual([answer.ok, answer.error.code], [false, 405])
  })

  it('socket calls missing their arguments: 400 at once', async () => {
    const expect400 = async (event: string, ...args: unknown[]) => {
      const [error] = (await call(socket, event, ...args)) as [{ code: number; message: string }]
      assert.strictEqual(error.code, 400, `${event} ${JSON.stringify(args)}: ${JSON.stringify(error)}`)
      return error.message
    }
    assert.match(await expect400('get', 'projects'), /'get' needs an id/)
    assert.match(await expect400('get', 'projects', null), /'get' needs an id/)
    assert.match(await expect400('create', 'projects'), /'create' needs data/)
    assert.match(await expect400('patch', 'projects', projectId), /'patch' needs data/)
    assert.match(await expect400('remove', 'projects'), /'remove' needs an id/)
    assert.match(await expect400('find'), /needs a service path/)
    assert.match(await expect400('get', 'projects', { toString: 'x' }), /an id that is a number or a string/)
    assert.match(await expect400('find', 'projects', 'x'.repeat(100_000)), /takes its query as an object/)
  })

  it('a database error is a generic 500 over REST, with the detail in the log', async () => {
    for (const response of [await server.http.get('/broken'), await server.http.post('/broken', { a: 1 })]) {
      assert.strictEqual(response.status, 500)
      assert.deepStrictEqual(response.data, {
        name: 'GeneralError',
        message: 'Internal server error',
        code: 500,
        className: 'general-error'
      })
    }
    assert.ok(
      logged.some((error) => /no_such_table_xyz/.test(String((error as Error)?.message))),
      'logged'
    )
  })

  it('the same over socket.io', async () => {
    const [error] = (await call(socket, 'find', 'broken', {})) as [Record<string, unknown>]
    assert.deepStrictEqual(error, {
      name: 'GeneralError',
      message: 'Internal server error',
      code: 500,
      className: 'general-error'
    })
  })

  it('intentional 4xx stay: a taken email is a 409', async () => {
    const email = `bad-input-${Date.now()}@example.test`
    assert.strictEqual((await server.http.post('/users', { email, password: 'long enough password' })).status, 201)
    const again = await server.http.post('/users', { email, password: 'long enough password' })
    assert.strictEqual(again.status, 409, JSON.stringify(again.data))
  })
})
