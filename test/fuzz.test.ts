// Seeded fuzz of the outside doors (issue 8 item 5): REST paths, queries and bodies, and socket.io
// events, from a fixed-seed PRNG (test/fuzz-inputs.ts; FUZZ_SEED replays another seed), against
// the real app on SQLite or PostgreSQL (DATABASE_URL). Bad input gets a 4xx, never a 5xx; every
// socket call with an ack is answered, at once; no answer holds SQL, a table, a stack or a path.
// Bounded: 2,000 requests and 1,000 emits (FUZZ_REQUESTS, FUZZ_EMITS), each with a timeout.
import assert from 'assert'
import http from 'http'
import type { Socket } from 'socket.io-client'
import { connected, createProject, createSession, startTestServer } from './helpers'
import type { TestServer } from './helpers'
import { prng, restRequest, socketEmit } from './fuzz-inputs'
import type { RestInput } from './fuzz-inputs'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed)
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000)
const EMITS = Number(process.env.FUZZ_EMITS ?? 1000)
const ACK_TIMEOUT_MS = 3000

// What must never be in an answer: SQL, the database's names, a stack line, a server path.
const LEAKS: [string, RegExp][] = [
  ['SQL', /\bSELECT\b|\bINSERT INTO\b|\bUPDATE "|\bDELETE FROM\b|\bRETURNING\b/],
  ['sqlite', /sqlite|SQLITE/],
  ['PostgreSQL relation', /\brelation\b/],
  ['node_modules', /node_modules/],
  ['stack line', /\bat [^\s"]+ \(|\bat (?:\/|file:)[^\s"]+:\d+:\d+/],
  ['stack field', /"stack"\s*:/]
]
const leakIn = (body: string) => LEAKS.find(([, pattern]) => pattern.test(body))?.[0]

interface Answer {
  status: number
  body: string
}

/** One raw HTTP request: the path goes on the wire exactly as generated. */
function send(server: TestServer, input: RestInput): Promise<Answer> {
  return new Promise((resolve) => {
    const request = http.request(
      { host: '127.0.0.1', port: server.port, method: input.method, path: input.path, headers: input.headers },
      (response) => {
        let body = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (body += chunk))
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }))
        response.on('error', (error) => resolve({ status: -1, body: String(error) }))
      }
    )
    request.setTimeout(10_000, () => request.destroy(new Error('timed out')))
    request.on('error', (error) => resolve({ status: -1, body: String(error) }))
    request.end(input.body)
  })
}

/** The error codes an ack carries: a Feathers error first argument, or a `{ok: false, error}` object. */
function ackCodes(args: unknown[]): number[] {
  const codes: number[] = []
  for (const arg of args) {
    const record = arg as { code?: unknown; error?: { code?: unknown } } | null
    if (typeof record?.code === 'number') codes.push(record.code)
    if (typeof record?.error?.code === 'number') codes.push(record.error.code)
  }
  return codes
}

/** Emits with an ack and a timeout; undefined when no ack came in time. */
function emit(socket: Socket, [event, ...args]: [string, ...unknown[]]): Promise<unknown[] | undefined> {
  return new Promise((resolve) => {
    socket
      .timeout(ACK_TIMEOUT_MS)
      .emit(event, ...args, (timeout: Error | null, ...answer: unknown[]) => resolve(timeout ? undefined : answer))
  })
}

async function inBatches<T>(items: T[], size: number, each: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each))
}

const sample = (list: string[], line: string) => list.length < 15 && list.push(line.slice(0, 300))

describe('fuzz: bad input never gets a 5xx, every socket call is answered', function () {
  this.timeout(600_000)
  let server: TestServer
  let ids: number[]

  before(async () => {
    server = await startTestServer({ testCommandAllowlist: ['true'] } as any)
    const project = await createProject(server, 'fuzz')
    const session = await createSession(server, project.id)
    const message = await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'hello' })
    ids = [project.id, session.id, message.data.id, 1, 2, 3]
  })
  after(() => server?.stop())

  it(`${REQUESTS} random REST requests (seed ${SEED}): no 5xx, no leak`, async () => {
    const r = prng(SEED)
    const inputs = Array.from({ length: REQUESTS }, () => restRequest(r, ids))
    const statuses = new Map<number, number>()
    const failures: string[] = []
    await inBatches(inputs, 16, async (input) => {
      const answer = await send(server, input)
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1)
      const leak = leakIn(answer.body)
      if (answer.status >= 500 || answer.status < 0 || leak) {
        const sent = input.body ? ` ${input.body.slice(0, 200)}` : ''
        sample(
          failures,
          `${answer.status}${leak ? ` (${leak})` : ''} ${input.method} ${input.path}${sent} -> ${answer.body}`
        )
      }
    })
    const fiveHundreds = [...statuses].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0)
    console.log(`      statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`)
    assert.strictEqual(fiveHundreds, 0, `${fiveHundreds} answers >= 500:\n${failures.join('\n')}`)
    assert.deepStrictEqual(failures, [], failures.join('\n'))
  })

  it(`${EMITS} random socket emits (seed ${SEED}): every ack answered, no 5xx, no leak`, async () => {
    const r = prng(SEED + 1)
    const sockets = await Promise.all(Array.from({ length: 4 }, () => connected(server.socket())))
    const inputs = Array.from({ length: EMITS }, () => socketEmit(r, ids))
    let unanswered = 0
    let fiveHundreds = 0
    const failures: string[] = []
    await inBatches(inputs, 50, async (input) => {
      const socket = sockets[inputs.indexOf(input) % sockets.length]
      if (!socket.connected) await connected(socket)
      const answer = await emit(socket, input)
      const shown = JSON.stringify(input).slice(0, 200)
      if (answer === undefined) {
        unanswered++
        return void sample(failures, `no ack: ${shown}`)
      }
      const body = JSON.stringify(answer) ?? ''
      const leak = leakIn(body)
      if (ackCodes(answer).some((code) => code >= 500)) fiveHundreds++
      if (leak || ackCodes(answer).some((code) => code >= 500))
        sample(failures, `${leak ?? '5xx'}: ${shown} -> ${body}`)
    })
    assert.strictEqual(unanswered, 0, `${unanswered} emits never answered:\n${failures.join('\n')}`)
    assert.strictEqual(fiveHundreds, 0, `${fiveHundreds} acks >= 500:\n${failures.join('\n')}`)
    assert.deepStrictEqual(failures, [], failures.join('\n'))
    for (const socket of sockets) assert.ok(socket.connected, 'the sockets stay connected')
  })
})
