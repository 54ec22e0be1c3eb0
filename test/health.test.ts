// Health, drain and logs: /health/live answers while the process does; /health/ready turns 503
// when the database is unreachable and while draining for shutdown; a drain refuses new sockets,
// sends the connected ones away to reconnect, and gives a running answer its grace period; the
// log lines carry the request id and never a token, a password or a prompt.
import assert from 'assert'
import { io } from 'socket.io-client'
import type { DestinationStream } from 'pino'
import { postPrompt } from './vibecode-helpers'
import { bearer, connected, newUser, startTestServer, until, waitForEvent } from './helpers'
import type { TestServer } from './helpers'

/** A pino destination that keeps every line, parsed. */
function captureLogs() {
  const lines: Record<string, any>[] = []
  let raw = ''
  const destination: DestinationStream = {
    write(line: string) {
      raw += line
      lines.push(JSON.parse(line))
    }
  }
  return { lines, destination, raw: () => raw }
}

const statusOf = async (server: TestServer, path: string) => {
  const response = await server.http.get(path)
  return { status: response.status, body: response.data }
}

describe('health', () => {
  it('live and ready answer 200 on a running server, with the checks named', async () => {
    const server = await startTestServer()
    try {
      assert.deepStrictEqual(await statusOf(server, '/health/live'), { status: 200, body: { status: 'live' } })
      const ready = await statusOf(server, '/health/ready')
      assert.strictEqual(ready.status, 200)
      assert.deepStrictEqual(ready.body, {
        status: 'ready',
        checks: { database: 'ok', migrations: 'ok', shutdown: 'ok' },
        not_ready: []
      })
    } finally {
      await server.stop()
    }
  })

  it('ready turns 503 naming the database when it is unreachable; live stays 200', async () => {
    const logs = captureLogs()
    const server = await startTestServer({ logLevel: 'warn', logDestination: logs.destination })
    try {
      await server.app.get('dbClient').destroy()
      const ready = await statusOf(server, '/health/ready')
      assert.strictEqual(ready.status, 503)
      assert.strictEqual(ready.body.status, 'not ready')
      assert.deepStrictEqual(ready.body.not_ready, ['database'])
      assert.strictEqual(ready.body.checks.database, 'down')
      assert.strictEqual((await statusOf(server, '/health/live')).status, 200)
      // The reason is in the log (once), not in the unauthenticated answer.
      await statusOf(server, '/health/ready')
      const warnings = logs.lines.filter((line) => line.msg === 'readiness: not ready')
      assert.strictEqual(warnings.length, 1)
      assert.ok(warnings[0].problems.database)
    } finally {
      await server.stop().catch(() => undefined)
    }
  })
})

describe('drain', () => {
  it('ready 503 at once, live 200, sockets sent away and new ones refused; a running answer finishes in the grace', async () => {
    const server = await startTestServer({ simulatedTokensPerSecond: 150 })
    try {
      const { socket, message } = await postPrompt(server, 'Add a drain helper')
      await until(
        async () => (await server.http.get(`/messages/${message.id}`)).data.status === 'streaming',
        'streaming'
      )
      const away = waitForEvent(socket, 'disconnect')
      socket.io.opts.reconnection = false

      const drained = server.app.drain.run(10_000)
      const ready = await statusOf(server, '/health/ready')
      assert.strictEqual(ready.status, 503)
      assert.deepStrictEqual(ready.body.not_ready, ['shutdown'])
      assert.strictEqual(ready.body.checks.shutdown, 'draining')
      assert.strictEqual((await statusOf(server, '/health/live')).status, 200)
      // Closed at the transport level: a reason socket.io clients reconnect after.
      assert.strictEqual(await away, 'transport close')
      const late = io(server.url, { transports: ['websocket'], reconnection: false, forceNew: true })
      const refusal = await waitForEvent<Error>(late, 'connect_error')
      assert.ok(refusal instanceof Error)
      assert.strictEqual(late.connected, false)
      late.close()
      const metrics = await server.http.get('/metrics')
      assert.match(metrics.data, /^vibecode_draining 1$/m)

      await drained
      const done = (await server.http.get(`/messages/${message.id}`)).data
      assert.strictEqual(done.status, 'completed', JSON.stringify(done.error))
    } finally {
      await server.stop()
    }
  })

  it('an answer still running when the grace is over ends interrupted at teardown', async () => {
    const server = await startTestServer({ simulatedTokensPerSecond: 20 })
    const { socket, message } = await postPrompt(server, 'Add a slow helper')
    await until(async () => (await server.http.get(`/messages/${message.id}`)).data.status === 'streaming', 'streaming')
    const patches: any[] = []
    server.app.service('messages').on('patched', (patched: any) => patches.push(patched))
    const started = Date.now()
    await server.app.drain.run(150)
    assert.ok(Date.now() - started < 2000, 'the drain waited for the grace only')
    assert.strictEqual((await server.http.get(`/messages/${message.id}`)).data.status, 'streaming')
    socket.disconnect()
    await server.app.teardown()
    const last = patches.filter((patched) => patched.id === message.id).pop()
    assert.strictEqual(last?.status, 'failed')
    assert.strictEqual(last?.error?.code, 'interrupted')
  })
})

describe('logs', () => {
  it('one line per REST request with its request id, echoed in X-Request-Id; a new one when absent or unsafe', async () => {
    const logs = captureLogs()
    const server = await startTestServer({ logLevel: 'info', logDestination: logs.destination })
    try {
      const given = await server.http.get('/projects', { headers: { 'X-Request-Id': 'trace-abc.123' } })
      assert.strictEqual(given.headers['x-request-id'], 'trace-abc.123')
      const fresh = await server.http.get('/projects')
      assert.match(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/)
      const unsafe = await server.http.get('/projects', { headers: { 'X-Request-Id': 'bad id\twith "quotes"' } })
      assert.match(String(unsafe.headers['x-request-id']), /^[0-9a-f-]{36}$/)

      const lines = logs.lines.filter((line) => line.route === '/projects')
      assert.strictEqual(lines.length, 3)
      assert.deepStrictEqual(
        lines.map((line) => line.req_id),
        ['trace-abc.123', fresh.headers['x-request-id'], unsafe.headers['x-request-id']]
      )
      assert.ok(lines.every((line) => line.level === 'info' && line.status === 200 && line.method === 'GET'))
      // Probes and scrapes log at debug only.
      await server.http.get('/health/ready')
      assert.ok(!logs.lines.some((line) => line.route === '/health/ready'))
    } finally {
      await server.stop()
    }
  })

  it('never holds a token, a password or a prompt; sockets are logged with id, transport and reason', async () => {
    const logs = captureLogs()
    const server = await startTestServer({
      logLevel: 'info',
      logDestination: logs.destination,
      auth: 'required',
      authSecret: 'logs-test-secret-that-is-at-least-32-characters'
    })
    try {
      const { token, password } = await newUser(server, 'logs')
      const project = (await server.http.post('/projects', { name: 'Logged' }, bearer(token))).data
      const session = (await server.http.post(`/projects/${project.id}/sessions`, {}, bearer(token))).data
      const prompt = 'A very particular prompt text 7f3a'
      const posted = await server.http.post(`/sessions/${session.id}/messages`, { prompt }, bearer(token))
      assert.strictEqual(posted.status, 201)
      await until(async () => {
        const status = (await server.http.get(`/messages/${posted.data.id}`, bearer(token))).data.status
        return status === 'completed' || status === 'failed'
      }, 'answered')
      await server.http.get('/projects', { headers: { Authorization: 'Bearer not.a.valid-token' } })

      const socket = await connected(server.socket({ auth: { token } }))
      const socketId = socket.id
      socket.disconnect()
      await until(() => logs.lines.some((line) => line.msg === 'socket disconnected'), 'disconnect logged')

      const raw = logs.raw()
      assert.ok(!raw.includes(token), 'the access token is not logged')
      assert.ok(!raw.includes(token.split('.')[2]), 'not even its signature')
      assert.ok(!raw.includes('not.a.valid-token'), 'nor a bad one')
      assert.ok(!raw.includes(password), 'the password is not logged')
      assert.ok(!raw.includes(prompt), 'the prompt is not logged')
      assert.ok(!raw.includes('logs-test-secret'), 'the secret is not logged')

      const connectedLine = logs.lines.find((line) => line.msg === 'socket connected' && line.socket_id === socketId)
      assert.ok(connectedLine, 'connect logged')
      assert.strictEqual(connectedLine.transport, 'websocket')
      const gone = logs.lines.find((line) => line.msg === 'socket disconnected' && line.socket_id === socketId)
      assert.strictEqual(gone?.reason, 'client namespace disconnect')
      assert.ok(logs.lines.some((line) => line.msg === 'answer completed' && line.message_id === posted.data.id))
      assert.ok(logs.lines.some((line) => line.route === '/sessions/:session_id/messages' && line.status === 201))
    } finally {
      await server.stop()
    }
  })
})
