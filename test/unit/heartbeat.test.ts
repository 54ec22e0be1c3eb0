import assert from 'assert'
import { Heartbeat } from '../../src/realtime/heartbeat'
import type { HeartbeatEvent } from '../../src/realtime/events'

const event = (connections: number): HeartbeatEvent => ({
  type: 'heartbeat',
  connections,
  timestamp: new Date().toISOString(),
  instance: 'test',
  instance_connections: connections,
  instances: 1,
  complete: true,
  rooms: 0,
  interval_ms: 20,
  uptime_s: 0
})

describe('unit: Heartbeat', () => {
  it('sends at its interval until stopped', async () => {
    const sent: HeartbeatEvent[] = []
    let n = 0
    const heartbeat = new Heartbeat({ intervalMs: 20, build: async () => event(++n), send: (e) => sent.push(e) })
    heartbeat.start()
    await new Promise((resolve) => setTimeout(resolve, 110))
    heartbeat.stop()
    const count = sent.length
    assert.ok(count >= 3 && count <= 6, `sent ${count}`)
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.strictEqual(sent.length, count)
    assert.strictEqual(heartbeat.running, false)
  })

  it('does not overlap a slow beat, and reports a failed one', async () => {
    const errors: unknown[] = []
    let calls = 0
    const heartbeat = new Heartbeat({
      intervalMs: 10,
      build: async () => {
        calls++
        await new Promise((resolve) => setTimeout(resolve, 100))
        throw new Error('redis down')
      },
      send: () => assert.fail('nothing to send'),
      onError: (error) => errors.push(error)
    })
    heartbeat.start()
    await new Promise((resolve) => setTimeout(resolve, 75))
    heartbeat.stop()
    // Six ticks came while the first beat was still waiting: none started a second build.
    assert.strictEqual(calls, 1)
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.strictEqual(errors.length, 1)
  })
})
