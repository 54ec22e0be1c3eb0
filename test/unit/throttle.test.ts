// The throttle (src/jobs/throttle.ts) under token_usage events and test output batches.
import assert from 'assert'
import { Throttle } from '../../src/jobs/throttle'

describe('unit: throttle', () => {
  it('throttles to one call per interval and ends on the latest value', async () => {
    const sent: number[] = []
    const throttle = new Throttle<number>(50, (value) => sent.push(value))
    for (let i = 1; i <= 100; i++) throttle.push(i)
    await new Promise((resolve) => setTimeout(resolve, 80))
    assert.deepStrictEqual(sent, [1, 100])
    throttle.push(101)
    throttle.cancel()
    await new Promise((resolve) => setTimeout(resolve, 80))
    assert.deepStrictEqual(sent, [1, 100])
  })
})
