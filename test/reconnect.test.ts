// Reconnection: socket.io clients come back by themselves; the typed client brings its
// subscriptions back with it, across a dropped connection and across a server restart.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { createClient } from '../src/client'
import {
  connected,
  createProject,
  createSession,
  sleep,
  startTestServer,
  subscribe,
  until,
  waitForEvent
} from './helpers'
import type { TestServer } from './helpers'

describe('reconnection', () => {
  let server: TestServer

  beforeEach(async () => {
    server = await startTestServer()
  })
  afterEach(() => server.stop())

  const dropConnection = (socketId: string) => server.app.io.of('/').sockets.get(socketId).conn.close()

  it('the typed client re-subscribes after the server drops its connection', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const client = createClient(socket)
    await client.rooms.subscribe(project.id)
    const firstId = socket.id!

    const reconnected = waitForEvent(socket.io, 'reconnect')
    dropConnection(firstId)
    await reconnected
    await until(async () => (await server.http.get('/connections')).data.rooms[project.id] === 1, 'resubscribed')
    assert.notStrictEqual(socket.id, firstId)

    const event = waitForEvent(socket, 'sessions created')
    const session = await createSession(server, project.id)
    assert.strictEqual((await event).id, session.id)
    // The dropped socket is counted out once its close completes on the server, which can come
    // after the client is already back: the count settles at one.
    await until(async () => (await server.http.get('/connections')).data.active_connections === 1, 'one connection')
  })

  it('a raw client reconnects but must send subscribe again (as the README says)', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const reconnected = waitForEvent(socket.io, 'reconnect')
    dropConnection(socket.id!)
    await reconnected
    await sleep(50)
    assert.deepStrictEqual((await server.http.get('/connections')).data.rooms, {})

    // Re-subscribing on `connect` is all it takes.
    await subscribe(socket, project.id)
    const event = waitForEvent(socket, 'sessions created')
    await createSession(server, project.id)
    assert.ok(await event)
  })

  it('the typed client comes back to a restarted server with its subscriptions', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-restart-'))
    const database = process.env.DATABASE_URL ?? `sqlite:${path.join(dir, 'db.sqlite')}`
    const first = await startTestServer({ database })
    let second: TestServer | undefined
    try {
      const project = await createProject(first)
      const socket = await connected(first.socket())
      const client = createClient(socket)
      await client.rooms.subscribe(project.id)

      // Shut down with the client connected, then start again on the same port and database.
      await first.app.teardown()
      second = await startTestServer({ database, port: first.port })
      await until(
        async () => (await second!.http.get('/connections')).data.rooms[project.id] === 1,
        'resubscribed',
        10_000
      )

      const event = waitForEvent(socket, 'sessions created')
      const session = await createSession(second, project.id)
      assert.strictEqual((await event).id, session.id)
      socket.disconnect()
    } finally {
      first.stop = async () => undefined
      await second?.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the typed client drops a subscription whose project is gone', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const client = createClient(socket)
    await client.rooms.subscribe(project.id)
    assert.deepStrictEqual(client.rooms.subscribed, [project.id])
    await server.http.delete(`/projects/${project.id}`)
    const reconnected = waitForEvent(socket.io, 'reconnect')
    dropConnection(socket.id!)
    await reconnected
    await until(() => client.rooms.subscribed.length === 0, 'the subscription is dropped')
  })
})
