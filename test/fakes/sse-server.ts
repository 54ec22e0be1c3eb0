// A loopback HTTP server for provider tests: each request is answered by the scenario the test
// set, and every request body is kept so tests can check what the SDK sent. It speaks HTTP and
// server-sent events; the per-vendor wire formats are in anthropic.ts and openai.ts beside it.
import http from 'http'
import type { AddressInfo } from 'net'

export type Scenario = 'ok' | 'rate_limited' | 'server_error' | 'broken' | 'hang' | 'no_diff' | 'stream_error'

export interface FakeServer {
  url: string
  requests: any[]
  /** Requests being answered right now, and the most there ever were at once. */
  active: number
  maxActive: number
  scenario: Scenario
  close(): Promise<void>
}

export type Responder = (scenario: Scenario, body: any, res: http.ServerResponse, server: FakeServer) => Promise<void>

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function writeEvent(res: http.ServerResponse, data: unknown, event?: string) {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
}

export async function startFakeServer(respond: Responder): Promise<FakeServer> {
  const sockets = new Set<import('net').Socket>()
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined
    fake.requests.push({ method: req.method, url: req.url, headers: req.headers, body })
    fake.active++
    fake.maxActive = Math.max(fake.maxActive, fake.active)
    try {
      await respond(fake.scenario, body, res, fake)
    } finally {
      fake.active--
    }
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const fake: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    active: 0,
    maxActive: 0,
    scenario: 'ok',
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
  return fake
}

/** The reply the fakes stream: a short explanation and a valid unified diff. */
export const REPLY_WITH_DIFF = [
  'Adds a greeting helper.\n\n',
  '```diff\n',
  '--- /dev/null\n',
  '+++ b/src/greet.ts\n',
  '@@ -0,0 +1,3 @@\n',
  '+export function greet(name: string) {\n',
  '+  return `Hello, ${name}`\n',
  '+}\n',
  '```\n'
]

export const REPLY_WITHOUT_DIFF = ['I would add a greeting helper, ', 'but here is no diff.']
