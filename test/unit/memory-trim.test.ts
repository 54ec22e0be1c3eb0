// The memory trim (src/observability/memory-trim.ts): a quiet process whose young generation grew
// (as start-up grows it) gets it back with the trim, and keeps it without (MEMORY_TRIM_MS=0).
import assert from 'assert'
import { spawn } from 'child_process'
import path from 'path'

const MODULE = path.join(__dirname, '..', '..', 'src', 'observability', 'memory-trim.ts')
const WATCH_MS = 12_000

/** A process that grows its young generation, goes quiet with the trim at `trimMs`, and reports. */
function quietProcess(trimMs: number): Promise<{ grown: number; after: number; ms: number }> {
  const script = `
    const v8 = require('v8')
    const young = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size
    // Many objects that live a while, as modules loading at start-up are: the young generation grows.
    let keep = []
    for (let i = 0; i < 3e6; i++) keep.push({ i })
    keep = null
    const grown = young()
    require(${JSON.stringify(MODULE)}).startMemoryTrim(${trimMs})
    const started = Date.now()
    const watch = setInterval(() => {
      const ms = Date.now() - started
      if (young() < grown / 4 || ms > ${WATCH_MS}) {
        clearInterval(watch)
        console.log(JSON.stringify({ grown, after: young(), ms }))
      }
    }, 100)`
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script])
  let out = ''
  child.stdout.on('data', (data) => (out += data))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${out}`))))
  })
}

/** The kinds of the collections a process with the trim at 100 ms makes while quiet() says `quietFrom` on. */
function collectionKinds(quietAfterMs: number): Promise<{ major: number[]; quietAt: number }> {
  const script = `
    const { PerformanceObserver, constants } = require('perf_hooks')
    const started = Date.now()
    const major = []
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries())
        if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) major.push(Date.now() - started)
    }).observe({ entryTypes: ['gc'] })
    require(${JSON.stringify(MODULE)}).startMemoryTrim(100, () => Date.now() - started >= ${quietAfterMs})
    setTimeout(() => console.log(JSON.stringify({ major, quietAt: ${quietAfterMs} })), ${quietAfterMs} + 1000)`
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script])
  let out = ''
  child.stdout.on('data', (data) => (out += data))
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`exit ${code}: ${out}`))))
  })
}

describe('memory trim', function () {
  this.timeout(WATCH_MS + 10_000)

  it('gives a grown young generation back once the process is quiet, and only with the trim on', async () => {
    const [trimmed, untrimmed] = await Promise.all([quietProcess(250), quietProcess(0)])
    assert.ok(trimmed.grown >= 8 * 1024 * 1024, `the young generation grew: ${trimmed.grown} bytes`)
    assert.ok(trimmed.after <= trimmed.grown / 4, `trimmed: ${JSON.stringify(trimmed)}`)
    assert.ok(untrimmed.after >= untrimmed.grown / 2, `without the trim it stays: ${JSON.stringify(untrimmed)}`)
  })

  it('makes its one full collection at the first interval with no connection, not before', async () => {
    const { major, quietAt } = await collectionKinds(1500)
    // Loading the test's TypeScript makes full collections of its own in the first few hundred ms.
    const afterLoading = major.filter((ms) => ms >= 500)
    assert.ok(afterLoading.length === 1, `full collections at ${JSON.stringify(major)} ms, quiet from ${quietAt} ms`)
    assert.ok(
      afterLoading[0] >= quietAt && afterLoading[0] < quietAt + 500,
      `at ${afterLoading[0]} ms, quiet from ${quietAt} ms`
    )
  })
})
