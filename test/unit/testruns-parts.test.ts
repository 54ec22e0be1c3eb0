// The parts of a test run (src/testruns): TAP test cases and output lines.
import assert from 'assert'
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
})
