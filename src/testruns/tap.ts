// Test case results from TAP (e.g. `node --test --test-reporter=tap`), parsed by tap-parser.
// Subtests nest; a test case is a leaf: an assert whose subtest had no asserts of its own
// (a `describe` block's summary assert is skipped). Names join the nesting: "group > case".
// tap-parser (and the YAML parser it brings) is loaded by the first test run, not at start-up.
import type { Parser } from 'tap-parser'

export interface TapCase {
  name: string
  ok: boolean
  skipped: boolean
}

export function tapCases(onCase: (result: TapCase) => void) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use (see above)
  const { Parser: TapParser } = require('tap-parser') as typeof import('tap-parser')
  const parser = new TapParser()
  const attach = (target: Parser, path: string[]) => {
    let summaryNext = false
    target.on('child', (child: Parser) => {
      attach(child, [...path, child.name])
      child.on('complete', (results: { count: number }) => {
        if (results.count > 0) summaryNext = true
      })
    })
    target.on('assert', (assert: { name: string; ok: boolean; skip?: unknown; todo?: unknown }) => {
      if (summaryNext) {
        summaryNext = false
        return
      }
      const skipped = Boolean(assert.skip) || Boolean(assert.todo)
      onCase({ name: [...path, assert.name].filter(Boolean).join(' > '), ok: assert.ok || skipped, skipped })
    })
  }
  attach(parser, [])
  return {
    write: (chunk: string) => parser.write(chunk),
    end: () => parser.end()
  }
}
