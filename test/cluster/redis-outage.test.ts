// A Redis outage under two instances: a redis-server of the test's own (its own port, never the
// shared one) is stopped for a while and started again. Counts never hang and say they are
// incomplete, heartbeats go on, and events published meanwhile on one instance reach the other's
// subscribers afterwards - through positioning - in order, once: the typed client by itself, a raw
// client by the README's recipe.
import assert from 'assert'
import { spawn, type ChildProcess } from 'child_process'
import net from 'net'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  sleep,
  startTestServer,
  subscribe,
  until,
  waitForEvent
} from '../helpers'
import type { TestServer } from '../helpers'
import { createClient } from '../../src/client'

const databaseUrl = process.env.DATABASE_URL

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
    probe.on('error', reject)
  })
}

/** A throwaway redis-server on `port`; resolves once it answers. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore'
    }
  )
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end()
          resolve(true)
        })
        socket.on('error', () => resolve(false))
      }),
    'redis answers',
    10_000
  )
  return child
}

const stopRedis = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })

describe('cluster: a Redis outage', function () {
  this.timeout(60_000)
  let redis: ChildProcess | undefined
  let a: TestServer
  let b: TestServer
  let port: number

  before(async function () {
    if (!databaseUrl?.startsWith('postgres'))
      throw new Error('DATABASE_URL must be a PostgreSQL URL for the cluster suite')
    port = await freePort()
    redis = await startRedis(port)
    const shared = {
      database: databaseUrl,
      redisUrl: `redis://127.0.0.1:${port}`,
      redisPrefix: `vibecode-outage-${process.pid}`,
      heartbeatIntervalMs: 200,
      positionIntervalMs: 500
    }
    a = await startTestServer({ ...shared, instanceId: 'a' })
    b = await startTestServer({ ...shared, instanceId: 'b' })
  })

  after(async () => {
    // Redis back first, so the instances' clients can quit cleanly.
    if (!redis || redis.exitCode !== null) redis = await startRedis(port).catch(() => undefined)
    await a?.stop()
    await b?.stop()
    if (redis) await stopRedis(redis)
  })

  it('counts and heartbeats go on; events of the outage reach the other instance afterwards, once, in order', async () => {
    const project = await createProject(a)
    const quiet = { debug: () => undefined, warn: () => undefined }
    const typedSocket = await connected(b.socket())
    const typed = createClient(typedSocket, { logger: quiet })
    const typedSeen: number[] = []
    typed.rooms.on('sessions created', (session) => typedSeen.push(session.id))
    await typed.rooms.subscribe(project.id)

    // The raw recipe (README): keep the last seq handed on in order; an event past the next one,
    // or a stream_position ahead, means subscribe again with since = that seq (the replay fills it).
    const raw = await connected(b.socket())
    const rawEvents = recordEvents(raw)
    const ack = await subscribe(raw, project.id)
    let last = ack.seq as number
    const inOrder: number[] = []
    const resume = async () => {
      const again = await raw
        .timeout(5000)
        .emitWithAck('subscribe', { project_id: project.id, since: last, epoch: ack.epoch })
      assert.strictEqual(again.recovered, true)
    }
    raw.on('sessions created', (session: { id: number; seq: number }) => {
      if (session.seq === last + 1) {
        last = session.seq
        inOrder.push(session.id)
      } else if (session.seq > last + 1) void resume()
    })
    raw.on('stream_position', (position: { seq: number }) => position.seq > last && void resume())

    // Only listens: shows what live delivery alone brings.
    const listener = await connected(b.socket())
    await subscribe(listener, project.id)
    const listened = recordEvents(listener)

    const before = await createSession(a, project.id)
    await until(() => typedSeen.includes(before.id), 'the first event crosses instances')

    await stopRedis(redis!)
    redis = undefined
    // Counts answer within their budget, incomplete; heartbeats go on, incomplete.
    const started = Date.now()
    const counts = await a.http.get('/connections')
    assert.ok(Date.now() - started < 2000, `GET /connections answered in ${Date.now() - started} ms`)
    assert.strictEqual(counts.data.complete, false)
    const beat = await waitForEvent<{ complete: boolean }>(typedSocket, 'heartbeat', 3000)
    assert.strictEqual(beat.complete, false)

    // Published on A while B cannot hear it.
    const during: number[] = []
    for (let i = 0; i < 3; i++) {
      during.push((await createSession(a, project.id)).id)
      await sleep(700)
    }
    // Live delivery across instances was cut: a socket on B that only listens heard none of them.
    assert.ok(!listened.some((e) => e.event === 'sessions created' && during.includes(e.payload.id)), 'cut live')

    redis = await startRedis(port)
    const after = await createSession(a, project.id)
    const expected = [before.id, ...during, after.id]
    await until(() => typedSeen.length >= expected.length, 'the typed client has every event', 20_000)
    assert.deepStrictEqual(typedSeen, expected)
    await until(() => inOrder.length >= expected.length, 'the raw client has every event', 20_000)
    assert.deepStrictEqual(inOrder, expected)
    // Something was indeed lost on the way and refilled (not all arrived live).
    assert.ok(rawEvents.filter((e) => e.event === 'sessions created').length > 0)
    // Once both instances are back on Redis, counts are complete again (and sum both).
    await until(async () => (await a.http.get('/connections')).data.complete === true, 'complete counts again', 10_000)
    assert.strictEqual((await a.http.get('/connections')).data.instances, 2)
  })
})
