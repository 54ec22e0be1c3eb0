// The throttle (src/jobs/throttle.ts) under token_usage events and test output batches. A long
// interval, so a loaded machine's timer delays cannot make a second call look "allowed".
import assert from 'assert'
import { Throttle } from '../../src/jobs/throttle'

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5))
}

describe('unit: throttle', () => {
  it('throttles to one call per interval and ends on the latest value', async () => {
    const sent: number[] = []
    const throttle = new Throttle<number>(400, (value) => sent.push(value))
    for (let i = 1; i <= 100; i++) throttle.push(i)
    // The first value at once, the rest folded into the latest, sent when the interval is over.
    assert.deepStrictEqual(sent, [1])
    await until(() => sent.length === 2)
    assert.deepStrictEqual(sent, [1, 100])
    // Within the next interval: waits; cancelled, it is never sent.
    throttle.push(101)
    throttle.cancel()
    await new Promise((resolve) => setTimeout(resolve, 450))
    assert.deepStrictEqual(sent, [1, 100])
  })
})
