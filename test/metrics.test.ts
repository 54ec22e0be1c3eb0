// GET /metrics: Prometheus text that a parser accepts, whose counters move by exactly what a
// scenario did (N events published -> +N; connects and disconnects -> the gauge back where it
// was; an answer's tokens -> its token_usage), with bounded labels only; and who may scrape it.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { answered, postPrompt } from './vibecode-helpers'
import { createApp } from '../src/app'
import { connected, createProject, startTestServer, subscribe, until } from './helpers'
import type { TestServer } from './helpers'

/** One sample: `name{labels} value`. */
interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
// Values as Go's ParseFloat reads them: NaN and Inf in any case (prom-client writes `Nan`).
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (-?[0-9.e+-]+|nan|[+-]?inf)(?: -?\\d+)?$`, 'i')
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy

/**
 * A small parser of the Prometheus text exposition format (0.0.4): it throws on any line that is
 * not a comment, a HELP/TYPE line or a well-formed sample, and on a sample whose family has no TYPE.
 */
function parsePrometheus(text: string) {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      assert.match(meta[2], new RegExp(`^${NAME}$`), `line ${index + 1}: bad metric name`)
      if (meta[1] === 'TYPE') {
        assert.match(meta[3], /^(counter|gauge|histogram|summary|untyped)$/, `line ${index + 1}: bad type`)
        assert.ok(!types.has(meta[2]), `line ${index + 1}: ${meta[2]} typed twice`)
        types.set(meta[2], meta[3])
      }
      continue
    }
    if (line.startsWith('#')) continue
    const match = SAMPLE_LINE.exec(line)
    assert.ok(match, `line ${index + 1} is not a sample: ${line}`)
    const labels: Record<string, string> = {}
    if (match[2]) {
      LABEL.lastIndex = 0
      let consumed = 0
      for (let label = LABEL.exec(match[2]); label; label = LABEL.exec(match[2])) {
        labels[label[1]] = label[2]
        consumed = LABEL.lastIndex
      }
      assert.strictEqual(consumed, match[2].length, `line ${index + 1}: bad labels {${match[2]}}`)
    }
    const family = match[1].replace(/_(bucket|sum|count|total|created)$/, '')
    assert.ok(types.has(match[1]) || types.has(family), `line ${index + 1}: ${match[1]} has no TYPE`)
    samples.push({ name: match[1], labels, value: Number(match[3]) })
  }
  return { types, samples }
}

/** Scrapes /metrics; `value(name, labels)` sums the samples of that name whose labels match. */
async function scrape(server: TestServer) {
  const response = await server.http.get('/metrics', { responseType: 'text', transformResponse: (body) => body })
  assert.strictEqual(response.status, 200, String(response.data))
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  const parsed = parsePrometheus(response.data)
  const value = (name: string, labels: Record<string, string> = {}) =>
    parsed.samples
      .filter((sample) => sample.name === name)
      .filter((sample) => Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted))
      .reduce((sum, sample) => sum + sample.value, 0)
  return { ...parsed, value }
}

describe('GET /metrics', () => {
  let server: TestServer
  let root: string
  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-metrics-'))
    server = await startTestServer({ testWorkspaceRoot: root, testCommandAllowlist: ['node'] } as any)
  })
  after(async () => {
    await server.stop()
    fs.rmSync(root, { recursive: true, force: true })
  })

  it('is Prometheus text with the process metrics and every vibecode_* family', async () => {
    const { types } = await scrape(server)
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes'
    ])
      assert.ok(types.has(name), `${name} missing`)
    const expected: Record<string, string> = {
      vibecode_connections: 'gauge',
      vibecode_cluster_connections: 'gauge',
      vibecode_subscriptions: 'gauge',
      vibecode_connects_total: 'counter',
      vibecode_disconnects_total: 'counter',
      vibecode_subscribe_requests_total: 'counter',
      vibecode_room_events_published_total: 'counter',
      vibecode_room_event_deliveries_total: 'counter',
      vibecode_broadcast_duration_seconds: 'histogram',
      vibecode_event_log_append_duration_seconds: 'histogram',
      vibecode_resumes_total: 'counter',
      vibecode_replayed_events_total: 'counter',
      vibecode_model_answers_total: 'counter',
      vibecode_model_tokens_total: 'counter',
      vibecode_answer_queue_depth: 'gauge',
      vibecode_test_runs_total: 'counter',
      vibecode_http_requests_total: 'counter',
      vibecode_http_request_duration_seconds: 'histogram'
    }
    for (const [name, type] of Object.entries(expected)) assert.strictEqual(types.get(name), type, name)
  })

  it('connects and disconnects move the counters by exactly what happened; the gauge comes back', async () => {
    const before = await scrape(server)
    const sockets = [server.socket(), server.socket(), server.socket({ transports: ['polling'] })]
    await Promise.all(sockets.map((socket) => connected(socket)))
    const during = await scrape(server)
    assert.strictEqual(during.value('vibecode_connections'), before.value('vibecode_connections') + 3)
    const connections = (await server.http.get('/connections')).data
    assert.strictEqual(during.value('vibecode_connections'), connections.active_connections)
    assert.strictEqual(during.value('vibecode_cluster_connections'), connections.active_connections)
    const connects = (transport: string) => (scraped: typeof before) =>
      scraped.value('vibecode_connects_total', { transport })
    assert.strictEqual(connects('websocket')(during), connects('websocket')(before) + 2)
    assert.strictEqual(connects('polling')(during), connects('polling')(before) + 1)

    for (const socket of sockets) socket.disconnect()
    await until(() => server.app.realtime.tracker.count === before.value('vibecode_connections'), 'sockets gone')
    const after = await scrape(server)
    assert.strictEqual(after.value('vibecode_connections'), before.value('vibecode_connections'))
    const reason = { reason: 'client namespace disconnect' }
    assert.strictEqual(
      after.value('vibecode_disconnects_total', reason),
      before.value('vibecode_disconnects_total', reason) + 3
    )
  })

  it('N published events: +N published, +N x recipients delivered, +N broadcasts and appends timed', async () => {
    const project = await createProject(server)
    const sockets = [server.socket(), server.socket()]
    await Promise.all(sockets.map(async (socket) => subscribe(await connected(socket), project.id)))
    const before = await scrape(server)
    const N = 7
    for (let index = 0; index < N; index++) {
      await server.app.realtime.publish(project.id, 'test_result', {
        run_id: 1,
        name: `case ${index}`,
        ok: true,
        skipped: false
      })
    }
    const after = await scrape(server)
    const event = { event: 'test_result' }
    const delta = (name: string, labels = {}) => after.value(name, labels) - before.value(name, labels)
    assert.strictEqual(delta('vibecode_room_events_published_total', event), N)
    assert.strictEqual(delta('vibecode_room_event_deliveries_total', event), N * 2)
    assert.strictEqual(delta('vibecode_broadcast_duration_seconds_count'), N)
    assert.strictEqual(delta('vibecode_event_log_append_duration_seconds_count'), N)
    assert.strictEqual(after.value('vibecode_subscriptions') - before.value('vibecode_subscriptions'), 0)
    assert.ok(after.value('vibecode_subscriptions') >= 2)

    // Resumes: one from seq 0 replays every logged event of the project; one from a seq ahead is reset.
    const resumer = await connected(server.socket())
    const recovered = await resumer.timeout(5000).emitWithAck('subscribe', { project_id: project.id, since: 0 })
    assert.strictEqual(recovered.recovered, true)
    const reset = await resumer.timeout(5000).emitWithAck('subscribe', { project_id: project.id, since: 10_000 })
    assert.strictEqual(reset.recovered, false)
    const refused = await resumer.timeout(5000).emitWithAck('subscribe', { project_id: 'nope' })
    assert.strictEqual(refused.ok, false)
    const resumed = await scrape(server)
    assert.strictEqual(
      resumed.value('vibecode_resumes_total', { outcome: 'recovered' }) -
        after.value('vibecode_resumes_total', { outcome: 'recovered' }),
      1
    )
    assert.strictEqual(
      resumed.value('vibecode_resumes_total', { outcome: 'reset' }) -
        after.value('vibecode_resumes_total', { outcome: 'reset' }),
      1
    )
    assert.strictEqual(
      resumed.value('vibecode_replayed_events_total') - after.value('vibecode_replayed_events_total'),
      recovered.replayed
    )
    assert.strictEqual(
      resumed.value('vibecode_subscribe_requests_total', { outcome: '400' }) -
        after.value('vibecode_subscribe_requests_total', { outcome: '400' }),
      1
    )
    for (const socket of [...sockets, resumer]) socket.disconnect()
  })

  it('an answer counts once, with the tokens its token_usage reported; a test run by its status', async () => {
    const before = await scrape(server)
    const { socket, message } = await postPrompt(server, 'Add a metrics helper')
    const done = await answered(server, message.id)
    assert.strictEqual(done.status, 'completed')
    const after = await scrape(server)
    const provider = { provider: 'simulated' }
    const delta = (name: string, labels: Record<string, string>) =>
      after.value(name, labels) - before.value(name, labels)
    assert.strictEqual(delta('vibecode_model_answers_total', { ...provider, outcome: 'completed' }), 1)
    assert.strictEqual(
      delta('vibecode_model_tokens_total', { ...provider, kind: 'input' }),
      done.token_usage.input_tokens
    )
    assert.strictEqual(
      delta('vibecode_model_tokens_total', { ...provider, kind: 'output' }),
      done.token_usage.output_tokens
    )
    assert.strictEqual(after.value('vibecode_answer_queue_depth'), 0)
    socket.disconnect()

    const project = await createProject(server, 'metrics: a test run')
    await server.http.patch(`/projects/${project.id}`, { test_command: ['node', '-e', 'process.exit(0)'] })
    fs.mkdirSync(path.join(root, String(project.id)), { recursive: true })
    const run = (await server.http.post(`/projects/${project.id}/test-runs`)).data
    await until(async () => (await server.http.get(`/test-runs/${run.id}`)).data.status === 'passed', 'run passed')
    const ran = await scrape(server)
    assert.strictEqual(
      ran.value('vibecode_test_runs_total', { status: 'passed' }) -
        after.value('vibecode_test_runs_total', { status: 'passed' }),
      1
    )
  })

  it('REST requests by route pattern, method and status - never by raw URL', async () => {
    const project = await createProject(server)
    const before = await scrape(server)
    await server.http.get(`/projects/${project.id}`)
    await server.http.get(`/projects/${project.id}/sessions`)
    await server.http.get('/projects/999999')
    await server.http.get('/no/such/route/123')
    const after = await scrape(server)
    const delta = (labels: Record<string, string>) =>
      after.value('vibecode_http_requests_total', labels) - before.value('vibecode_http_requests_total', labels)
    assert.strictEqual(delta({ route: '/projects/:id', method: 'GET', status: '200' }), 1)
    assert.strictEqual(delta({ route: '/projects/:project_id/sessions', method: 'GET', status: '200' }), 1)
    assert.strictEqual(delta({ route: '/projects/:id', method: 'GET', status: '404' }), 1)
    assert.strictEqual(delta({ route: 'unmatched', method: 'GET', status: '404' }), 1)
    assert.strictEqual(delta({ route: '/metrics', method: 'GET', status: '200' }), 1)
    const count = (labels: Record<string, string>) =>
      after.value('vibecode_http_request_duration_seconds_count', labels) -
      before.value('vibecode_http_request_duration_seconds_count', labels)
    assert.strictEqual(count({ route: '/projects/:id', method: 'GET' }), 2)

    // Bounded labels: no id-like label and no label value that is a raw path with a number in it.
    for (const sample of after.samples.filter((sample) => sample.name.startsWith('vibecode_'))) {
      for (const [key, value] of Object.entries(sample.labels)) {
        assert.ok(!/project|user|socket|session|message|run/.test(key), `${sample.name} has label ${key}`)
        if (key === 'route') assert.ok(!/\d/.test(value), `${sample.name} route ${value} holds an id`)
      }
    }
  })
})

describe('GET /metrics access', () => {
  const SECRET = 'metrics-test-secret-that-is-at-least-32-chars'
  const REQUIRED = { auth: 'required', authSecret: SECRET } as const

  it('AUTH=required without METRICS_TOKEN: loopback clients only, not through a proxy; health needs nothing', async () => {
    const server = await startTestServer(REQUIRED)
    try {
      assert.strictEqual((await server.http.get('/metrics')).status, 200)
      const proxied = await server.http.get('/metrics', { headers: { 'X-Forwarded-For': '203.0.113.9' } })
      assert.strictEqual(proxied.status, 403)
      assert.match(proxied.data.message, /METRICS_TOKEN/)
      assert.strictEqual((await server.http.get('/projects')).status, 401)
      assert.strictEqual((await server.http.get('/health/live')).status, 200)
      assert.strictEqual((await server.http.get('/health/ready')).status, 200)
    } finally {
      await server.stop()
    }
  })

  it('with METRICS_TOKEN: the bearer token and nothing else, in either AUTH mode', async () => {
    const token = 'scrape-token-0123456789abcdef'
    for (const mode of [REQUIRED, { auth: 'off' } as const]) {
      const server = await startTestServer({ ...mode, metricsToken: token })
      try {
        assert.strictEqual((await server.http.get('/metrics')).status, 401)
        const wrong = await server.http.get('/metrics', { headers: { Authorization: 'Bearer not-the-token-at-all' } })
        assert.strictEqual(wrong.status, 401)
        const right = await server.http.get('/metrics', { headers: { Authorization: `Bearer ${token}` } })
        assert.strictEqual(right.status, 200)
        assert.match(right.data, /vibecode_connections \d+/)
      } finally {
        await server.stop()
      }
    }
  })

  it('a METRICS_TOKEN under 16 characters stops start-up, naming the variable and not echoing it', () => {
    assert.throws(
      () => createApp({ metricsToken: 'short-secret' }),
      (error: Error) =>
        /metricsToken \(METRICS_TOKEN\) must NOT have fewer than 16 characters/.test(error.message) &&
        !error.message.includes('short-secret')
    )
  })
})
