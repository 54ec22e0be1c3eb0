// Abuse limits on two instances sharing Redis (`npm run test:cluster`, with REDIS_URL and a
// PostgreSQL DATABASE_URL): a user's budget and open-socket places are one across the cluster,
// not one per instance.
import assert from 'assert'
import { connected, createProject, sleep, until, waitForEvent } from '../helpers'
import type { TestServer } from '../helpers'
import { redisUrl, requireClusterServices, startPair } from './pair'
import { createClient } from 'redis'
import { RedisOpenSockets } from '../../src/limits/open-sockets'

describe('abuse limits across instances (Redis store)', function () {
  let a: TestServer
  let b: TestServer

  before(requireClusterServices)

  beforeEach(async () => {
    ;({ a, b } = await startPair('limits', {
      rateLimits: 'on' as const,
      rateLimitWindowS: 2,
      rateLimitProjectsPerMin: 3,
      rateLimitSocketsPerUser: 2
    }))
  })

  afterEach(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('a per-user limit holds across instances: what was spent on one is spent on the other', async () => {
    await createProject(a, 'on a 1')
    await createProject(b, 'on b')
    await createProject(a, 'on a 2')
    const refusedA = await a.http.post('/projects', { name: 'one too many on a' })
    const refusedB = await b.http.post('/projects', { name: 'one too many on b' })
    for (const refused of [refusedA, refusedB]) {
      assert.strictEqual(refused.status, 429, JSON.stringify(refused.data))
      assert.ok(Number(refused.headers['retry-after']) >= 1)
    }
    await sleep(refusedB.data.data.retry_after_ms + 50)
    await createProject(b, 'after the window')
  })

  it('open sockets per user are counted across instances; a closed socket frees its place on the other', async () => {
    const onA = await connected(a.socket({ reconnection: false }))
    const onB = await connected(b.socket({ reconnection: false }))
    const third = a.socket({ reconnection: false })
    const error: any = await waitForEvent(third, 'connect_error')
    assert.match(error.message, /Too many open sockets for this user: at most 2/)
    assert.deepStrictEqual(error.data.data, { limit: 2, open_sockets: 2 })

    onB.disconnect()
    await until(
      async () => (await b.http.get('/connections')).data.instance_connections === 0,
      'the socket on b is gone'
    )
    // Its place is given back in Redis right after the disconnect.
    let replacement = a.socket({ reconnection: false })
    await until(async () => {
      if (replacement.connected) return true
      const outcome = await Promise.race([
        waitForEvent(replacement, 'connect').then(() => true),
        waitForEvent(replacement, 'connect_error').then(() => false)
      ])
      if (!outcome) replacement = a.socket({ reconnection: false })
      return outcome
    }, 'a socket on a connects again')
    assert.strictEqual(onA.connected, true)
  })

  it("an instance that dies without giving its sockets' places back holds them only until its leases run out", async () => {
    const redis = createClient({ url: redisUrl })
    await redis.connect()
    try {
      const prefix = `vibecode-test-limits-lease-${process.pid}-${Date.now()}`
      const dead = new RedisOpenSockets(redis, prefix, () => undefined, 300)
      const alive = new RedisOpenSockets(redis, prefix, () => undefined, 300)
      alive.start()
      assert.deepStrictEqual(await dead.reserve('user:1', 'dead-1', 2), { allowed: true, held: true, open: 0 })
      assert.deepStrictEqual(await alive.reserve('user:1', 'alive-1', 2), { allowed: true, held: true, open: 1 })
      assert.deepStrictEqual(await alive.reserve('user:1', 'alive-2', 2), { allowed: false, held: false, open: 2 })
      // `dead` never renews; `alive` renews every 100 ms, so its socket keeps its place.
      await sleep(500)
      assert.deepStrictEqual(await alive.reserve('user:1', 'alive-2', 2), { allowed: true, held: true, open: 1 })
      assert.deepStrictEqual(await alive.reserve('user:1', 'alive-3', 2), { allowed: false, held: false, open: 2 })
      alive.stop()
    } finally {
      await redis.quit()
    }
  })
})
