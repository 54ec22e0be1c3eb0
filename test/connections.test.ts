// Connection tracking: one count per socket whatever its transport, back to exactly 0 with no room
// left once every client is gone.
import assert from 'assert'
import { connected, createProject, sleep, startTestServer, subscribe, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

describe('connection tracking', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  const report = async () => (await server.http.get('/connections')).data

  it('counts each socket once: websocket, long-polling, and polling upgraded to websocket', async () => {
    const websocket = await connected(server.socket({ transports: ['websocket'] }))
    const polling = await connected(server.socket({ transports: ['polling'] }))
    const upgrading = await connected(server.socket({ transports: ['polling', 'websocket'] }))
    await until(() => upgrading.io.engine.transport.name === 'websocket', 'the upgrade is done')
    await sleep(50)

    const counted = await report()
    assert.strictEqual(counted.active_connections, 3)
    assert.strictEqual(counted.connects_total, 3)
    assert.strictEqual(polling.io.engine.transport.name, 'polling')
    assert.strictEqual(websocket.io.engine.transport.name, 'websocket')

    websocket.disconnect()
    polling.disconnect()
    upgrading.disconnect()
    await until(async () => (await report()).active_connections === 0, 'every socket is gone')
    const after = await report()
    assert.strictEqual(after.disconnects_total, 3)
    assert.strictEqual(after.peak_connections, 3)
  })

  it('after every client disconnects: 0 connections and no room left', async () => {
    const [a, b] = [await createProject(server, 'a'), await createProject(server, 'b')]
    const sockets = [server.socket(), server.socket(), server.socket({ transports: ['polling'] })]
    await Promise.all(sockets.map((socket) => connected(socket)))
    await subscribe(sockets[0], a.id)
    await subscribe(sockets[1], a.id)
    await subscribe(sockets[1], b.id)
    await subscribe(sockets[2], b.id)
    assert.deepStrictEqual((await report()).rooms, { [a.id]: 2, [b.id]: 2 })
    assert.strictEqual((await report()).active_connections, 3)

    sockets[0].disconnect()
    await until(async () => (await report()).active_connections === 2, 'one socket is gone')
    assert.deepStrictEqual((await report()).rooms, { [a.id]: 1, [b.id]: 2 })

    for (const socket of sockets) socket.disconnect()
    await until(async () => (await report()).active_connections === 0, 'all sockets are gone')
    const empty = await report()
    assert.deepStrictEqual(empty.rooms, {})
    // Nothing of them is left in the adapter either: only project rooms were ever created.
    assert.strictEqual(server.app.io.of('/').adapter.rooms.size, 0)
    assert.strictEqual(server.app.realtime.tracker.projectRooms.size, 0)
  })

  it('a socket that vanishes without a goodbye (transport closed) is counted out', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    // Kill the underlying connection, as a network drop would; stop the client from coming back.
    socket.io.opts.reconnection = false
    socket.io.engine.close()
    await until(async () => (await report()).active_connections === 0, 'the server noticed')
    assert.deepStrictEqual((await report()).rooms, {})
  })

  it('a socket that disconnects while its subscribe is pending leaves no room behind', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const serverSocket = server.app.io.of('/').sockets.get(socket.id)
    // The project lookup is asynchronous; the socket goes away before it finishes.
    const pending = server.app.realtime.subscriptions.subscribe(serverSocket, { project_id: project.id })
    serverSocket.disconnect(true)
    await assert.rejects(pending, /disconnected before the subscription completed/)
    await until(async () => (await report()).active_connections === 0, 'the socket is gone')
    assert.deepStrictEqual((await report()).rooms, {})
    assert.strictEqual(server.app.io.of('/').adapter.rooms.size, 0)
  })

  it('is readable over socket.io through the Feathers service too', async () => {
    const socket = await connected(server.socket())
    const [error, result] = await new Promise<any[]>((resolve) =>
      socket.emit('find', 'connections', {}, (...args: any[]) => resolve(args))
    )
    assert.strictEqual(error, null)
    assert.strictEqual(result.active_connections, 1)
    const heartbeat = waitForEvent(socket, 'heartbeat')
    assert.strictEqual((await heartbeat).connections, 1)
  })
})
