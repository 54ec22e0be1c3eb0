// The default log destination (src/observability/log-destination.ts): lines of a burst share one
// write, none is lost or reordered, what is pending is written when the process exits (also by
// process.exit() and an uncaught exception), and a reader that went away does not crash the server.
import assert from 'assert'
import { spawn, spawnSync } from 'child_process'
import path from 'path'

const MODULE = path.join(__dirname, '..', '..', 'src', 'observability', 'log-destination.ts')

/** Runs `body` in a fresh Node process with `destination` = the stdout destination. */
function child(body: string) {
  const script = `const destination = require(${JSON.stringify(MODULE)}).stdoutDestination();\n${body}`
  return ['-r', 'ts-node/register/transpile-only', '-e', script]
}

describe('log destination', () => {
  it('writes a burst of lines in order, fewer writes than lines, all of them by the time the process exits', () => {
    const lines = 2000
    // Counts the process's writes to stdout; its exit handler comes after the destination's.
    const result = spawnSync(
      process.execPath,
      child(
        `const fs = require('fs'); const writeSync = fs.writeSync; let writes = 0
        fs.writeSync = (fd, ...rest) => (fd === 1 && writes++, writeSync(fd, ...rest))
        process.on('exit', () => process.stderr.write('writes ' + writes))
        for (let i = 0; i < ${lines}; i++) destination.write('line ' + i + '\\n')`
      ),
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
    )
    assert.deepStrictEqual(
      result.stdout.trim().split('\n'),
      Array.from({ length: lines }, (_, i) => `line ${i}`)
    )
    const writes = Number(/writes (\d+)/.exec(result.stderr)?.[1])
    assert.ok(writes >= 1 && writes < 10, `${writes} writes for ${lines} lines`)
  })

  it('writes what is pending on process.exit() and on an uncaught exception', () => {
    const exited = spawnSync(process.execPath, child(`destination.write('last words\\n'); process.exit(3)`), {
      encoding: 'utf8'
    })
    assert.strictEqual(exited.status, 3)
    assert.strictEqual(exited.stdout, 'last words\n')

    const crashed = spawnSync(
      process.execPath,
      child(`destination.write('before the crash\\n'); setTimeout(() => { throw new Error('boom') }, 1)`),
      { encoding: 'utf8' }
    )
    assert.notStrictEqual(crashed.status, 0)
    assert.strictEqual(crashed.stdout, 'before the crash\n')
  })

  it('writes a line within its flush delay while the process goes on', async () => {
    // The line carries when it was logged; the process never exits, so only the timer writes it.
    const proc = spawn(process.execPath, child(`destination.write(Date.now() + '\\n'); setInterval(() => {}, 1000)`))
    try {
      const delay = await new Promise<number>((resolve, reject) => {
        proc.stdout.on('data', (data) => resolve(Date.now() - Number(String(data).trim())))
        setTimeout(() => reject(new Error('no line within 5 s')), 5000)
      })
      // 20 ms of flush delay; the rest of the allowance is for a loaded machine.
      assert.ok(delay >= 0 && delay < 1000, `written ${delay} ms after it was logged`)
    } finally {
      proc.kill()
    }
  })

  it('drops lines instead of crashing when the reader is gone', async () => {
    const proc = spawn(
      process.execPath,
      child(
        `let i = 0; const timer = setInterval(() => { destination.write('line ' + i++ + '\\n'); if (i === 50) { clearInterval(timer); console.error('alive') } }, 5)`
      ),
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    // The reader goes away at once: every later write meets a closed pipe.
    proc.stdout.destroy()
    let stderr = ''
    proc.stderr.on('data', (data) => (stderr += data))
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve))
    assert.strictEqual(code, 0, stderr)
    assert.match(stderr, /alive/)
  })
})
