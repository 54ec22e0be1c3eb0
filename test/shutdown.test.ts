// Shutdown and start-up: teardown resolves with clients still connected; SIGTERM/SIGINT stop the
// real process cleanly; a bad setting stops start-up with a message that names it.
import assert from 'assert'
import { spawn } from 'child_process'
import path from 'path'
import { io } from 'socket.io-client'
import { connected, createProject, startTestServer, subscribe } from './helpers'

const root = path.join(__dirname, '..')

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms))
  ])
}

/** Runs `src/index.ts` as `npm start` would, with extra environment variables. */
function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
    cwd: root,
    // LOG_LEVEL=info: config/test.json silences the log, whose start-up lines these tests read.
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const listening = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    exited.then(() => reject(new Error(`server exited before listening:\n${output}`)))
  })
  return { child, exited, listening, output: () => output }
}

describe('shutdown and start-up', () => {
  it('app.teardown() resolves while websocket and long-polling clients are connected', async () => {
    const server = await startTestServer()
    const project = await createProject(server)
    const sockets = [server.socket(), server.socket({ transports: ['polling'] })]
    await Promise.all(sockets.map((socket) => connected(socket)))
    await subscribe(sockets[0], project.id)
    await subscribe(sockets[1], project.id)

    await withTimeout(server.app.teardown(), 5000, 'teardown')
    assert.strictEqual(server.app.realtime.tracker.count, 0)
    assert.strictEqual(server.app.realtime.heartbeat.running, false)
    for (const socket of sockets) socket.disconnect()
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} stops the server with a client connected and exits 0`, async () => {
      const server = runServer({ DATABASE_URL: process.env.DATABASE_URL ?? 'sqlite::memory:' })
      const port = await withTimeout(server.listening, 20_000, 'start-up')
      const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false })
      await connected(socket)
      server.child.kill(signal)
      const code = await withTimeout(server.exited, 10_000, 'shutdown')
      assert.strictEqual(code, 0, server.output())
      assert.match(server.output(), /stopped/)
      socket.disconnect()
    })
  }

  const badSettings: [string, Record<string, string>, RegExp][] = [
    ['a non-numeric PORT', { PORT: 'abc' }, /port \(PORT\) must be integer, got "abc"/],
    ['a PORT out of range', { PORT: '70000' }, /port \(PORT\) must be <= 65535/],
    [
      'a zero HEARTBEAT_INTERVAL_MS',
      { HEARTBEAT_INTERVAL_MS: '0' },
      /heartbeatIntervalMs \(HEARTBEAT_INTERVAL_MS\) must be >= 10/
    ],
    [
      'an unknown DATABASE_URL scheme',
      { DATABASE_URL: 'mysql://localhost/x' },
      /database \(DATABASE_URL\) must be sqlite:<path>.*got "mysql:\/\/localhost\/x"/
    ]
  ]
  for (const [label, env, message] of badSettings) {
    it(`refuses to start with ${label}, naming the variable`, async () => {
      const server = runServer(env)
      const code = await withTimeout(server.exited, 20_000, 'exit')
      assert.strictEqual(code, 1)
      assert.match(server.output(), /Invalid configuration/)
      assert.match(server.output(), message)
    })
  }
})
