// Service method calls over socket.io run in one middleware (src/socket-calls.ts) instead of the
// handlers Feathers' socket transport builds for every connection (issue 10: ~0.9 KB per
// connection). These pin what that must not change: the handlers are gone from every socket, each
// method answers as it does over REST, a call runs once, and a call without an ack still runs.
import assert from 'assert'
import type { Socket as ServerSocket } from 'socket.io'
import { connected, serviceCall, startTestServer, until } from './helpers'
import type { TestServer } from './helpers'
import { dropMethodHandlers } from '../src/socket-calls'

const METHODS = ['find', 'get', 'create', 'update', 'patch', 'remove']

describe('socket method calls without per-connection handlers', () => {
  let server: TestServer

  before(async () => {
    server = await startTestServer()
  })
  after(() => server.stop())

  const serverSocket = (id: string) => server.app.io.sockets.sockets.get(id) as ServerSocket

  it('a connected socket has no handler per method, and nothing is left to drop', async () => {
    const socket = await connected(server.socket())
    const onServer = serverSocket(socket.id!)
    for (const method of METHODS) assert.strictEqual(onServer.listeners(method).length, 0, method)
    // Its own events keep theirs (the listener check is not vacuous).
    assert.ok(onServer.listeners('subscribe').length > 0)
    assert.strictEqual(dropMethodHandlers(server.app.io), false)
  })

  it('each method answers over the socket what REST answers', async () => {
    const socket = await connected(server.socket())
    const created = await serviceCall(socket, 'create', 'projects', { name: 'over the socket' })
    assert.ok(created.result?.id, JSON.stringify(created))
    const id = created.result.id
    assert.deepStrictEqual(
      (await serviceCall(socket, 'get', 'projects', id)).result,
      (await server.http.get(`/projects/${id}`)).data
    )

    const patched = await serviceCall(socket, 'patch', 'projects', id, { name: 'renamed' }, {})
    assert.strictEqual(patched.result?.name, 'renamed')
    assert.strictEqual((await server.http.get(`/projects/${id}`)).data.name, 'renamed')

    const found = await serviceCall(socket, 'find', 'projects', { name: 'renamed' })
    const rest = (await server.http.get('/projects', { params: { name: 'renamed' } })).data
    assert.deepStrictEqual(found.result, rest)

    const missing = await serviceCall(socket, 'get', 'projects', 987_654_321)
    assert.deepStrictEqual([missing.error?.name, missing.error?.code], ['NotFound', 404])

    assert.strictEqual((await serviceCall(socket, 'remove', 'projects', id)).result?.id, id)
    assert.strictEqual((await server.http.get(`/projects/${id}`)).status, 404)
  })

  it('a call runs once, with or without an ack', async () => {
    const socket = await connected(server.socket())
    const name = `once-${Date.now()}`
    const count = async () => (await server.http.get('/projects', { params: { name } })).data.total
    await Promise.all([1, 2, 3].map(() => serviceCall(socket, 'create', 'projects', { name })))
    assert.strictEqual(await count(), 3)
    socket.emit('create', 'projects', { name })
    await until(async () => (await count()) === 4, 'the call without an ack ran')
    // Nothing runs twice late: another round trip on the socket, then still four.
    await serviceCall(socket, 'find', 'projects', { name })
    assert.strictEqual(await count(), 4)
  })
})
