// Anthropic Messages API through the official SDK, streaming. Usage comes from the stream itself:
// `message_start` carries the input tokens, each `message_delta` the cumulative output tokens.
import Anthropic from '@anthropic-ai/sdk'
import { toFailure } from './errors'
import type { GenerateRequest, GenerateResult, Provider, SdkProviderOptions } from './types'
import { VibecodeFailure, sdkClientOptions, usageOf } from './types'

export type AnthropicOptions = SdkProviderOptions

const inputOf = (usage: {
  input_tokens?: number | null
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
}) => (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)

export class AnthropicProvider implements Provider {
  readonly name = 'anthropic'
  private readonly client: Anthropic

  constructor(private readonly options: AnthropicOptions) {
    this.client = new Anthropic(sdkClientOptions(options))
  }

  get model() {
    return this.options.model
  }

  async generate({ system, prompt, signal, onUsage }: GenerateRequest): Promise<GenerateResult> {
    let text = ''
    let input = 0
    let output = 0
    let model = this.options.model
    let stopped = false
    try {
      const stream = await this.client.messages.create(
        {
          model,
          max_tokens: this.options.maxTokens,
          system,
          messages: [{ role: 'user', content: prompt }],
          stream: true
        },
        { signal }
      )
      for await (const event of stream) {
        switch (event.type) {
          case 'message_start':
            model = event.message.model || model
            input = inputOf(event.message.usage)
            output = event.message.usage.output_tokens ?? 0
            onUsage(usageOf(input, output))
            break
          case 'content_block_delta':
            if (event.delta.type === 'text_delta') text += event.delta.text
            break
          case 'message_delta':
            if (event.usage.input_tokens != null) input = inputOf(event.usage)
            output = event.usage.output_tokens
            onUsage(usageOf(input, output))
            break
          case 'message_stop':
            stopped = true
            break
        }
      }
    } catch (error) {
      throw toFailure(error, 'anthropic', signal)
    }
    // An aborted stream can end quietly: the deadline is the reason, not a broken stream.
    if (signal.aborted) throw toFailure(signal.reason, 'anthropic', signal)
    if (!stopped) throw new VibecodeFailure('stream_broken', 'anthropic stream ended without message_stop')
    return { text, usage: usageOf(input, output), model }
  }
}
