// Metrics and readiness on two instances (Redis adapter, one PostgreSQL): each instance's
// vibecode_connections is its own, vibecode_cluster_connections the sum its last heartbeat saw
// (equal to GET /connections), a room event counts as published once, on the instance that sent
// it, and delivered on each instance to its own sockets; /health/ready checks Redis.
import assert from 'assert'
import { connected, createProject, subscribe, until } from '../helpers'
import type { TestServer } from '../helpers'
import { requireClusterServices, startPair } from './pair'

/** One sample's value from a scrape (0 when absent). */
async function sample(server: TestServer, name: string, labels = '') {
  const text: string = (await server.http.get('/metrics', { responseType: 'text' })).data
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `))
  return line ? Number(line.split(' ')[1]) : 0
}

describe('cluster: metrics and readiness', function () {
  let a: TestServer
  let b: TestServer

  before(requireClusterServices)

  beforeEach(async () => {
    ;({ a, b } = await startPair('metrics', {
      heartbeatIntervalMs: 100
    }))
  })

  afterEach(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('instance gauges are local, the cluster gauge is the sum, events count where they were sent', async () => {
    const project = await createProject(a)
    const onA = await Promise.all([connected(a.socket()), connected(a.socket())])
    const onB = await connected(b.socket())
    for (const socket of [...onA, onB]) await subscribe(socket, project.id)

    assert.strictEqual(await sample(a, 'vibecode_connections'), 2)
    assert.strictEqual(await sample(b, 'vibecode_connections'), 1)
    // The cluster gauge follows the heartbeat (every 100 ms here).
    await until(async () => (await sample(a, 'vibecode_cluster_connections')) === 3, 'a sees 3')
    await until(async () => (await sample(b, 'vibecode_cluster_connections')) === 3, 'b sees 3')
    assert.strictEqual((await a.http.get('/connections')).data.active_connections, 3)
    assert.strictEqual(await sample(a, 'vibecode_cluster_instances'), 2)

    const event = '{event="test_result"}'
    const before = {
      publishedA: await sample(a, 'vibecode_room_events_published_total', event),
      publishedB: await sample(b, 'vibecode_room_events_published_total', event),
      deliveredA: await sample(a, 'vibecode_room_event_deliveries_total', event),
      deliveredB: await sample(b, 'vibecode_room_event_deliveries_total', event)
    }
    const N = 4
    for (let index = 0; index < N; index++) {
      await a.app.realtime.publish(project.id, 'test_result', {
        run_id: 1,
        name: `c${index}`,
        ok: true,
        skipped: false
      })
    }
    assert.strictEqual((await sample(a, 'vibecode_room_events_published_total', event)) - before.publishedA, N)
    assert.strictEqual((await sample(b, 'vibecode_room_events_published_total', event)) - before.publishedB, 0)
    // Recipients are counted where the sending instance sees them: its own two sockets.
    assert.strictEqual((await sample(a, 'vibecode_room_event_deliveries_total', event)) - before.deliveredA, N * 2)
    assert.strictEqual((await sample(b, 'vibecode_room_event_deliveries_total', event)) - before.deliveredB, 0)

    const ready = await a.http.get('/health/ready')
    assert.strictEqual(ready.status, 200)
    assert.strictEqual(ready.data.checks.redis, 'ok')
    for (const socket of [...onA, onB]) socket.disconnect()
  })

  it('ready turns 503 naming redis while the adapter is disconnected', async () => {
    // Reaches into the adapter's connection: the closest thing to Redis going away for one instance.
    await (a.app.realtime as any).redis.pub.disconnect()
    const ready = await a.http.get('/health/ready')
    assert.strictEqual(ready.status, 503)
    assert.deepStrictEqual(ready.data.not_ready, ['redis'])
    assert.strictEqual((await a.http.get('/health/live')).status, 200)
    assert.strictEqual((await b.http.get('/health/ready')).status, 200)
  })
})
