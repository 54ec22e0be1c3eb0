// Anthropic's Messages API streaming wire format, as documented: message_start (usage with the
// input tokens), content_block_start, ping, content_block_delta (text_delta) …, content_block_stop,
// message_delta (cumulative output tokens), message_stop. Errors as its JSON error objects.
import type http from 'http'
import type { Responder } from './sse-server'
import { REPLY_WITHOUT_DIFF, REPLY_WITH_DIFF, pause, writeEvent } from './sse-server'

export const ANTHROPIC_USAGE = { input_tokens: 412, output_tokens: 96 }
export const ANTHROPIC_MODEL = 'claude-fake-20261125'

function error(res: http.ServerResponse, status: number, type: string, message: string) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'request-id': 'req_fake',
    ...(status === 429 ? { 'retry-after': '1' } : {})
  })
  res.end(JSON.stringify({ type: 'error', error: { type, message } }))
}

export const anthropicResponder: Responder = async (scenario, _body, res) => {
  if (scenario === 'rate_limited')
    return error(res, 429, 'rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit')
  if (scenario === 'server_error') return error(res, 500, 'api_error', 'Internal server error')
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake' })
  const pieces = scenario === 'no_diff' ? REPLY_WITHOUT_DIFF : REPLY_WITH_DIFF
  writeEvent(
    res,
    {
      type: 'message_start',
      message: {
        id: 'msg_fake',
        type: 'message',
        role: 'assistant',
        content: [],
        model: ANTHROPIC_MODEL,
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: ANTHROPIC_USAGE.input_tokens,
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0
        }
      }
    },
    'message_start'
  )
  writeEvent(
    res,
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    'content_block_start'
  )
  writeEvent(res, { type: 'ping' }, 'ping')
  for (const [i, text] of pieces.entries()) {
    if (scenario === 'hang' && i === 2) return // keeps the connection open, sends nothing more
    if (scenario === 'broken' && i === 3) return void res.socket?.destroy()
    if (scenario === 'stream_error' && i === 3) {
      writeEvent(res, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error')
      return void res.end()
    }
    writeEvent(
      res,
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } },
      'content_block_delta'
    )
    // A running output count, as the real stream's message_delta would report near the end.
    await pause(15)
  }
  writeEvent(res, { type: 'content_block_stop', index: 0 }, 'content_block_stop')
  writeEvent(
    res,
    {
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: ANTHROPIC_USAGE.output_tokens }
    },
    'message_delta'
  )
  writeEvent(res, { type: 'message_stop' }, 'message_stop')
  res.end()
}
