// Vibecode responses: a posted message is answered by the model provider in the background; the
// project room gets live token_usage, then one vibecode_response (or vibecode_error); the message
// record keeps status, patch, usage and error. Real providers run against loopback servers that
// speak their vendors' streaming wire formats. The queue and restarts: vibecode-jobs.test.ts.
import assert from 'assert'
import { parsePatch } from 'diff'
import { SYSTEM_PROMPT } from '../src/vibecode/prompt'
import { countTokens } from '../src/vibecode/tokenizer'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  startTestServer,
  subscribe,
  until,
  waitForEvent
} from './helpers'
import type { TestServer } from './helpers'
import { ANTHROPIC_MODEL, ANTHROPIC_USAGE, anthropicResponder } from './fakes/anthropic'
import { OPENAI_MODEL, OPENAI_USAGE, openaiResponder } from './fakes/openai'
import { startFakeServer } from './fakes/sse-server'
import type { FakeServer, Scenario } from './fakes/sse-server'
import { answered, postPrompt } from './vibecode-helpers'

describe('vibecode responses', () => {
  describe('simulated provider (nothing configured)', () => {
    let server: TestServer
    beforeEach(async () => {
      server = await startTestServer({ simulatedTokensPerSecond: 1500 })
    })
    afterEach(() => server.stop())

    it('the seed flow: both subscribed clients get the identical vibecode_response after live token_usage', async () => {
      const project = await createProject(server, 'WS Test')
      const session = await createSession(server, project.id)
      const [a, b] = [server.socket(), server.socket()]
      await Promise.all([connected(a), connected(b)])
      await Promise.all([subscribe(a, project.id), subscribe(b, project.id)])
      const [eventsA, eventsB] = [recordEvents(a), recordEvents(b)]
      const responses = Promise.all([waitForEvent(a, 'vibecode_response'), waitForEvent(b, 'vibecode_response')])
      const prompt = 'Add a new feature'
      const posted = (await server.http.post(`/sessions/${session.session_id}/messages`, { prompt })).data
      const [first, second] = await responses

      assert.deepStrictEqual(first, second)
      assert.strictEqual(first.type, 'vibecode_response')
      assert.strictEqual(first.session_id, session.session_id)
      assert.strictEqual(first.message_id, posted.id)
      assert.strictEqual(first.provider, 'simulated')
      assert.ok(first.patch)
      assert.ok(parsePatch(first.patch)[0].hunks.length > 0)
      // Real counts from a real tokenizer over the real text.
      assert.strictEqual(first.token_usage.input_tokens, countTokens(SYSTEM_PROMPT) + countTokens(prompt))
      assert.ok(first.token_usage.output_tokens > 10)
      assert.strictEqual(
        first.token_usage.total_tokens,
        first.token_usage.input_tokens + first.token_usage.output_tokens
      )

      for (const events of [eventsA, eventsB]) {
        const names = events.map((e) => e.event).filter((e) => e !== 'heartbeat')
        const usage = events.filter((e) => e.event === 'token_usage').map((e) => e.payload)
        assert.ok(usage.length >= 2, `got ${usage.length} token_usage events`)
        assert.ok(names.indexOf('token_usage') < names.indexOf('vibecode_response'))
        assert.deepStrictEqual(usage[usage.length - 1], {
          type: 'token_usage',
          project_id: project.id,
          ...first.token_usage,
          session_id: session.id,
          message_id: posted.id,
          final: true
        })
        const running = usage.filter((u) => !u.final).map((u) => u.output_tokens)
        assert.deepStrictEqual(
          running,
          [...running].sort((x, y) => x - y),
          'running totals only grow'
        )
      }

      const stored = (await server.http.get(`/messages/${posted.id}`)).data
      assert.strictEqual(stored.status, 'completed')
      assert.strictEqual(stored.patch, first.patch)
      assert.deepStrictEqual(stored.token_usage, first.token_usage)
      assert.strictEqual(stored.provider, 'simulated')
    })

    it('moves the message pending -> streaming -> completed, each step a messages patched event', async () => {
      const { events, message } = await postPrompt(server)
      assert.strictEqual(message.status, 'pending')
      await answered(server, message.id)
      await until(() => events.some((e) => e.event === 'vibecode_response'), 'the response')
      const statuses = events.filter((e) => e.event === 'messages patched').map((e) => e.payload.status)
      assert.deepStrictEqual(statuses, ['streaming', 'completed'])
    })

    it('throttles token_usage to about 10 a second per message', async () => {
      const slow = await startTestServer({ simulatedTokensPerSecond: 300 })
      try {
        const { events, message } = await postPrompt(
          slow,
          'Write a longer change with several lines of text so the reply streams for a while'
        )
        const stored = await answered(slow, message.id)
        const running = events.filter((e) => e.event === 'token_usage' && !e.payload.final)
        const seconds = stored.duration_ms / 1000
        assert.ok(seconds > 0.3, `streamed for ${seconds} s`)
        assert.ok(running.length <= Math.ceil(seconds * 10) + 2, `${running.length} events in ${seconds} s`)
        assert.ok(running.length >= 2)
      } finally {
        await slow.stop()
      }
    })
  })

  for (const [vendor, responder, setting, wireUsage, wireModel] of [
    [
      'anthropic',
      anthropicResponder,
      'anthropicBaseUrl',
      {
        input_tokens: ANTHROPIC_USAGE.input_tokens,
        output_tokens: ANTHROPIC_USAGE.output_tokens,
        total_tokens: ANTHROPIC_USAGE.input_tokens + ANTHROPIC_USAGE.output_tokens
      },
      ANTHROPIC_MODEL
    ],
    [
      'openai',
      openaiResponder,
      'openaiBaseUrl',
      {
        input_tokens: OPENAI_USAGE.prompt_tokens,
        output_tokens: OPENAI_USAGE.completion_tokens,
        total_tokens: OPENAI_USAGE.total_tokens
      },
      OPENAI_MODEL
    ]
  ] as const) {
    describe(`${vendor} provider against a loopback server speaking its wire format`, () => {
      let fake: FakeServer
      let server: TestServer

      beforeEach(async () => {
        fake = await startFakeServer(responder)
        server = await startTestServer({
          vibecodeProvider: vendor,
          [setting]: `${fake.url}${vendor === 'openai' ? '/v1' : ''}`,
          vibecodeTimeoutMs: 1500
        } as any)
      })
      afterEach(async () => {
        await server.stop()
        await fake.close()
      })

      it('broadcasts the usage the wire reported, and the patch from the reply', async () => {
        const { events, message } = await postPrompt(server)
        const response = await waitForEventIn(events, 'vibecode_response')
        assert.deepStrictEqual(response.token_usage, wireUsage)
        assert.strictEqual(response.provider, vendor)
        assert.strictEqual(response.model, wireModel)
        assert.strictEqual(response.message_id, message.id)
        assert.match(response.patch, /^--- \/dev\/null\n\+\+\+ b\/src\/greet\.ts\n@@ -0,0 \+1,3 @@/)
        const final = events.filter((e) => e.event === 'token_usage').pop()!.payload
        assert.deepStrictEqual(
          { ...final, type: undefined, project_id: undefined, session_id: undefined, message_id: undefined },
          {
            ...wireUsage,
            final: true,
            type: undefined,
            project_id: undefined,
            session_id: undefined,
            message_id: undefined
          }
        )
        const stored = await answered(server, message.id)
        assert.deepStrictEqual(stored.token_usage, wireUsage)
        assert.strictEqual(stored.model, wireModel)

        // What the SDK sent: streaming, our system prompt, the user's prompt.
        const request = fake.requests[0]
        assert.strictEqual(request.body.stream, true)
        if (vendor === 'anthropic') {
          assert.strictEqual(request.url, '/v1/messages')
          assert.strictEqual(request.body.system, SYSTEM_PROMPT)
          assert.deepStrictEqual(request.body.messages, [{ role: 'user', content: 'Add a greeting helper' }])
        } else {
          assert.strictEqual(request.url, '/v1/chat/completions')
          assert.deepStrictEqual(request.body.stream_options, { include_usage: true })
          assert.deepStrictEqual(request.body.messages[0], { role: 'system', content: SYSTEM_PROMPT })
        }
      })

      const failures: [Scenario, string][] = [
        ['rate_limited', 'rate_limited'],
        ['server_error', 'provider_error'],
        ['broken', 'stream_broken'],
        ['hang', 'timeout'],
        ['no_diff', 'no_diff']
      ]
      if (vendor === 'anthropic') failures.push(['stream_error', 'stream_broken'])
      for (const [scenario, code] of failures) {
        it(`${scenario} ends in failed + vibecode_error '${code}', and the server keeps serving`, async () => {
          fake.scenario = scenario
          const { events, message, project } = await postPrompt(server)
          const error = await waitForEventIn(events, 'vibecode_error')
          assert.strictEqual(error.error.code, code, error.error.message)
          assert.ok(error.error.message.length > 0)
          assert.strictEqual(error.provider, vendor)
          assert.strictEqual(error.project_id, project.id)
          const stored = await answered(server, message.id)
          assert.strictEqual(stored.status, 'failed')
          assert.deepStrictEqual(stored.error, error.error)
          assert.strictEqual(stored.patch, null)
          assert.ok(!events.some((e) => e.event === 'vibecode_response'))
          // Still serving, and the next message succeeds.
          fake.scenario = 'ok'
          assert.strictEqual((await server.http.get('/connections')).status, 200)
          const next = (await server.http.post(`/sessions/${message.session_id}/messages`, { prompt: 'again' })).data
          assert.strictEqual((await answered(server, next.id)).status, 'completed')
        })
      }
    })
  }
})

/** The next `event` in a recording (already there, or arriving within 10 s). */
async function waitForEventIn(events: { event: string; payload: any }[], event: string) {
  await until(() => events.some((e) => e.event === event), `'${event}' arrived`, 10_000)
  return events.find((e) => e.event === event)!.payload
}
