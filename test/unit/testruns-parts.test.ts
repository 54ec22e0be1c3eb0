import assert from 'assert'
import { KeyedQueue } from '../../src/realtime/keyed-queue'
import { LineSplitter } from '../../src/testruns/lines'
import { tapCases } from '../../src/testruns/tap'

describe('unit: test run parts', () => {
  it('reads TAP test cases, leaves only, with nested names', () => {
    const cases: unknown[] = []
    const tap = tapCases((result) => cases.push(result))
    tap.write(
      [
        'TAP version 13',
        '# Subtest: adds',
        'ok 1 - adds',
        '# Subtest: group',
        '    # Subtest: inner',
        '    not ok 1 - inner',
        '    # Subtest: later',
        '    ok 2 - later # SKIP not now',
        '    1..2',
        'not ok 2 - group',
        '1..2',
        ''
      ].join('\n')
    )
    tap.end()
    assert.deepStrictEqual(cases, [
      { name: 'adds', ok: true, skipped: false },
      { name: 'group > inner', ok: false, skipped: false },
      { name: 'group > later', ok: true, skipped: true }
    ])
  })

  it('splits lines across chunks', () => {
    const splitter = new LineSplitter()
    assert.deepStrictEqual(splitter.push('a\nb'), ['a'])
    assert.deepStrictEqual(splitter.push('c\r\nd\n'), ['bc', 'd'])
    assert.deepStrictEqual(splitter.push('tail'), [])
    assert.deepStrictEqual(splitter.end(), ['tail'])
  })

  it('runs one task at a time per key, keys side by side, and survives a failed task', async () => {
    const queue = new KeyedQueue<number>()
    const order: string[] = []
    const task = (name: string, ms: number, fail = false) => async () => {
      order.push(`${name} start`)
      await new Promise((resolve) => setTimeout(resolve, ms))
      order.push(`${name} end`)
      if (fail) throw new Error(name)
    }
    await Promise.allSettled([queue.run(1, task('a1', 30, true)), queue.run(1, task('a2', 1)), queue.run(2, task('b1', 10))])
    assert.deepStrictEqual(order, ['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end'])
    await new Promise((resolve) => setImmediate(resolve))
    assert.strictEqual(queue.size, 0)
  })
})
