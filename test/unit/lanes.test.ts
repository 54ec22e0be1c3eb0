// Per-project order (src/realtime/lanes.ts): one task at a time per key, keys side by side.
import assert from 'assert'
import { Lanes } from '../../src/realtime/lanes'

describe('unit: keyed queue', () => {
  it('runs one task at a time per key, keys side by side, and survives a failed task', async () => {
    const queue = new Lanes<number>()
    const order: string[] = []
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        order.push(`${name} start`)
        await new Promise((resolve) => setTimeout(resolve, ms))
        order.push(`${name} end`)
        if (fail) throw new Error(name)
      }
    await Promise.allSettled([
      queue.run(1, task('a1', 30, true)),
      queue.run(1, task('a2', 1)),
      queue.run(2, task('b1', 10))
    ])
    assert.deepStrictEqual(order, ['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end'])
    await new Promise((resolve) => setImmediate(resolve))
    assert.strictEqual(queue.size, 0)
  })
})
