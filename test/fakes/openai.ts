// OpenAI's chat completions streaming wire format with stream_options.include_usage, as
// documented: `data: {chat.completion.chunk}` lines, a chunk with finish_reason, then one chunk
// with empty choices and the usage, then `data: [DONE]`. Errors as its JSON error objects.
import type http from 'http'
import type { Responder } from './sse-server'
import { REPLY_WITHOUT_DIFF, REPLY_WITH_DIFF, pause, writeEvent } from './sse-server'

export const OPENAI_USAGE = { prompt_tokens: 377, completion_tokens: 88, total_tokens: 465 }
export const OPENAI_MODEL = 'gpt-fake-2026-11-25'

function error(res: http.ServerResponse, status: number, type: string, code: string, message: string) {
  res.writeHead(status, {
    'content-type': 'application/json',
    'x-request-id': 'req_fake',
    ...(status === 429 ? { 'retry-after': '1' } : {})
  })
  res.end(JSON.stringify({ error: { message, type, param: null, code } }))
}

const chunk = (choices: unknown[], usage: unknown = null) => ({
  id: 'chatcmpl-fake',
  object: 'chat.completion.chunk',
  created: 1764100000,
  model: OPENAI_MODEL,
  system_fingerprint: 'fp_fake',
  choices,
  usage
})

export const openaiResponder: Responder = async (scenario, _body, res) => {
  if (scenario === 'rate_limited')
    return error(res, 429, 'requests', 'rate_limit_exceeded', 'Rate limit reached for requests')
  if (scenario === 'server_error')
    return error(res, 500, 'server_error', 'server_error', 'The server had an error while processing your request')
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
  const pieces = scenario === 'no_diff' ? REPLY_WITHOUT_DIFF : REPLY_WITH_DIFF
  writeEvent(res, chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]))
  for (const [i, content] of pieces.entries()) {
    if (scenario === 'hang' && i === 2) return
    if (scenario === 'broken' && i === 3) return void res.socket?.destroy()
    writeEvent(res, chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]))
    await pause(15)
  }
  writeEvent(res, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]))
  writeEvent(res, chunk([], OPENAI_USAGE))
  writeEvent(res, '[DONE]')
  res.end()
}
