// The socket.io Admin UI on two instances (Redis adapter, PostgreSQL): one UI connected to one
// instance sees both servers, and a UI session opened on one instance is known on the other
// (the session store is in Redis), so a reloaded UI that lands elsewhere stays logged in.
import assert from 'assert'
import bcrypt from 'bcryptjs'
import { io as connect } from 'socket.io-client'
import { connected, startTestServer, until, waitForEvent } from '../helpers'
import type { TestServer } from '../helpers'

const redisUrl = process.env.REDIS_URL
const databaseUrl = process.env.DATABASE_URL
const USERNAME = 'admin'
const PASSWORD = 'a long admin password'

describe('Admin UI across instances', function () {
  this.timeout(20_000)
  let a: TestServer
  let b: TestServer

  before(function () {
    if (!redisUrl) throw new Error('REDIS_URL is not set: the cluster suite needs a Redis server (see .ci/run)')
    if (!databaseUrl?.startsWith('postgres')) throw new Error('DATABASE_URL must be a PostgreSQL URL')
  })

  beforeEach(async () => {
    const shared = {
      database: databaseUrl,
      redisUrl,
      redisPrefix: `vibecode-admin-${process.pid}-${Date.now()}`,
      adminUiUsername: USERNAME,
      adminUiPasswordHash: bcrypt.hashSync(PASSWORD, 4)
    }
    a = await startTestServer({ ...shared, instanceId: 'a' })
    b = await startTestServer({ ...shared, instanceId: 'b' })
  })

  afterEach(async () => {
    await a?.stop()
    await b?.stop()
  })

  const admin = (server: TestServer, auth: Record<string, unknown>) => {
    const socket = connect(`${server.url}/admin`, { transports: ['websocket'], forceNew: true, auth })
    server.sockets.push(socket)
    return socket
  }

  it('a UI on one instance hears both servers’ stats', async () => {
    const socket = admin(a, { username: USERNAME, password: PASSWORD })
    const servers = new Set<string>()
    socket.on('server_stats', (stats: { serverId: string }) => servers.add(stats.serverId))
    await connected(socket)
    // Each instance reports every 2 s through the adapter.
    await until(() => servers.size === 2, 'stats from a and b', 6000)
    assert.deepStrictEqual([...servers].sort(), ['a', 'b'])
  })

  it('a session opened on one instance is accepted by the other', async () => {
    const first = admin(a, { username: USERNAME, password: PASSWORD })
    const sessionId = await waitForEvent<string>(first, 'session')
    await connected(first)
    await connected(admin(b, { sessionId }))
  })
})
