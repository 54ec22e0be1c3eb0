// OpenAI chat completions through the official SDK, streaming with `stream_options.include_usage`:
// the last chunk carries the real usage. The base URL is configurable, so the same provider serves
// local models behind that API (Ollama, vLLM, llama.cpp server). While the reply streams, output
// tokens are counted one per content chunk (what these servers send) until the real usage arrives.
import OpenAI from 'openai'
import { toFailure } from './errors'
import type { GenerateRequest, GenerateResult, Provider, SdkProviderOptions } from './types'
import { VibecodeFailure, sdkClientOptions, usageOf } from './types'

export type OpenAIOptions = SdkProviderOptions

export class OpenAIProvider implements Provider {
  readonly name = 'openai'
  private readonly client: OpenAI

  constructor(private readonly options: OpenAIOptions) {
    this.client = new OpenAI(sdkClientOptions(options))
  }

  get model() {
    return this.options.model
  }

  async generate({ system, prompt, signal, onUsage }: GenerateRequest): Promise<GenerateResult> {
    let text = ''
    let chunks = 0
    let model = this.options.model
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined
    let finished = false
    try {
      const stream = await this.client.chat.completions.create(
        {
          model,
          max_tokens: this.options.maxTokens,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: prompt }
          ],
          stream: true,
          stream_options: { include_usage: true }
        },
        { signal }
      )
      for await (const chunk of stream) {
        model = chunk.model || model
        const choice = chunk.choices[0]
        if (choice?.delta?.content) {
          text += choice.delta.content
          chunks++
          onUsage(usageOf(0, chunks))
        }
        if (choice?.finish_reason) finished = true
        if (chunk.usage) usage = chunk.usage
      }
    } catch (error) {
      throw toFailure(error, 'openai', signal)
    }
    // An aborted stream can end quietly: the deadline is the reason, not a broken stream.
    if (signal.aborted) throw toFailure(signal.reason, 'openai', signal)
    if (!finished) throw new VibecodeFailure('stream_broken', 'openai stream ended without a finish_reason')
    if (!usage)
      throw new VibecodeFailure(
        'provider_error',
        'openai stream carried no usage (stream_options.include_usage unsupported?)'
      )
    return { text, usage: usageOf(usage.prompt_tokens, usage.completion_tokens), model }
  }
}
