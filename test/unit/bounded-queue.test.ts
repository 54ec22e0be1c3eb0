// The bounded job queue (src/jobs/bounded-queue.ts) under the vibecode answers and the test runs:
// how many run, how many wait, and what stop and abort do to each.
import assert from 'assert'
import { BoundedJobQueue } from '../../src/jobs/bounded-queue'

/** Jobs that run until released or aborted, recording what happened to them. */
function controllableJobs() {
  const release = new Map<string, () => void>()
  const log: string[] = []
  const reasons = new Map<string, unknown>()
  let active = 0
  let maxActive = 0
  const run = (name: string, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      active++
      maxActive = Math.max(maxActive, active)
      log.push(`${name} start`)
      const end = (how: string) => {
        active--
        log.push(`${name} ${how}`)
        resolve()
      }
      release.set(name, () => end('done'))
      signal.addEventListener('abort', () => {
        reasons.set(name, signal.reason)
        end('aborted')
      })
    })
  return { run, release: (name: string) => release.get(name)!(), log, reasons, maxActive: () => maxActive }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('unit: bounded job queue', () => {
  it('runs at most `concurrency` jobs at once, the rest in the order they came', async () => {
    const jobs = controllableJobs()
    const queue = new BoundedJobQueue<string>({ concurrency: 2, run: jobs.run, onError: assert.fail })
    for (const name of ['a', 'b', 'c', 'd']) assert.strictEqual(queue.enqueue(name), 'queued')
    await tick()
    assert.deepStrictEqual(jobs.log, ['a start', 'b start'])

    jobs.release('b')
    await tick()
    assert.deepStrictEqual(jobs.log, ['a start', 'b start', 'b done', 'c start'])
    for (const name of ['a', 'c']) jobs.release(name)
    await tick()
    jobs.release('d')
    await queue.runningEnded()
    assert.strictEqual(jobs.maxActive(), 2)
    assert.deepStrictEqual(
      jobs.log.filter((line) => line.endsWith('done')),
      ['b done', 'a done', 'c done', 'd done']
    )
  })

  it('refuses an item when `maxWaiting` items wait, and takes one again once a slot frees', async () => {
    const jobs = controllableJobs()
    const queue = new BoundedJobQueue<string>({ concurrency: 1, maxWaiting: 2, run: jobs.run, onError: assert.fail })
    assert.deepStrictEqual(
      ['a', 'b', 'c', 'd'].map((name) => queue.enqueue(name)),
      ['queued', 'queued', 'queued', 'full']
    )
    assert.strictEqual(queue.isFull, true)
    assert.deepStrictEqual(jobs.log, ['a start'])

    jobs.release('a')
    await tick()
    assert.strictEqual(queue.isFull, false)
    assert.strictEqual(queue.enqueue('e'), 'queued')
    assert.deepStrictEqual(jobs.log, ['a start', 'a done', 'b start'])
    await queue.stop()
  })

  it('stop() aborts the running jobs with its reason, waits for them, and hands back the waiting ones', async () => {
    const jobs = controllableJobs()
    const queue = new BoundedJobQueue<string>({ concurrency: 2, run: jobs.run, onError: assert.fail })
    for (const name of ['a', 'b', 'c', 'd']) queue.enqueue(name)
    const reason = new Error('shutting down')

    const waiting = await queue.stop(reason)
    assert.deepStrictEqual(waiting, ['c', 'd'])
    assert.deepStrictEqual(jobs.log, ['a start', 'b start', 'a aborted', 'b aborted'])
    assert.strictEqual(jobs.reasons.get('a'), reason)
    assert.strictEqual(jobs.reasons.get('b'), reason)
    // Stopped for good: nothing new is taken, nothing waiting starts.
    assert.strictEqual(queue.enqueue('e'), 'stopped')
    await tick()
    assert.deepStrictEqual(jobs.log, ['a start', 'b start', 'a aborted', 'b aborted'])
  })

  it('abortRunning() reaches only the matching running job; removeWaiting() takes a waiting one out', async () => {
    const jobs = controllableJobs()
    const queue = new BoundedJobQueue<string>({ concurrency: 2, run: jobs.run, onError: assert.fail })
    for (const name of ['a', 'b', 'c', 'd']) queue.enqueue(name)

    assert.strictEqual(
      queue.removeWaiting((name) => name === 'c'),
      'c'
    )
    assert.strictEqual(
      queue.removeWaiting((name) => name === 'a'),
      undefined,
      'a runs: it is not waiting'
    )
    queue.abortRunning((name) => name === 'b', 'cancelled')
    await tick()
    assert.strictEqual(jobs.reasons.get('b'), 'cancelled')
    assert.ok(!jobs.reasons.has('a'))
    // b's slot went to d; c never runs.
    assert.deepStrictEqual(jobs.log, ['a start', 'b start', 'b aborted', 'd start'])
    await queue.stop()
    assert.ok(!jobs.log.includes('c start'))
  })

  it('a job that throws is reported, and the queue goes on', async () => {
    const failures: [string, unknown][] = []
    const ran: string[] = []
    const queue = new BoundedJobQueue<string>({
      concurrency: 1,
      run: async (name) => {
        ran.push(name)
        if (name === 'bad') throw new Error('broken')
      },
      onError: (name, error) => failures.push([name, error])
    })
    queue.enqueue('bad')
    queue.enqueue('good')
    await queue.runningEnded()
    await tick()
    assert.deepStrictEqual(ran, ['bad', 'good'])
    assert.strictEqual(failures.length, 1)
    assert.strictEqual(failures[0][0], 'bad')
    assert.match(String(failures[0][1]), /broken/)
  })
})
