// What every model provider offers: stream a reply to one prompt, report usage while it streams.
import type { TokenUsage } from '../../realtime/events'

export interface GenerateRequest {
  system: string
  prompt: string
  signal: AbortSignal
  /** Running totals while the reply streams (as precise as the provider's stream allows). */
  onUsage: (usage: TokenUsage) => void
}

export interface GenerateResult {
  text: string
  /** The final usage, as the provider reported it. */
  usage: TokenUsage
  model: string
}

/** What the two SDK-backed providers are configured with. */
export interface SdkProviderOptions {
  apiKey?: string
  baseURL?: string
  model: string
  maxTokens: number
  maxRetries: number
  timeoutMs: number
}

/** Client settings both official SDKs take under the same names. */
export const sdkClientOptions = (options: SdkProviderOptions) => ({
  // The SDKs insist on a key; a keyless local server (Ollama, vLLM) ignores this one.
  apiKey: options.apiKey ?? 'missing',
  baseURL: options.baseURL,
  maxRetries: options.maxRetries,
  // The job's own deadline (an abort) decides; the SDK's timeout is only a backstop.
  timeout: options.timeoutMs * 2 + 1000
})

export interface Provider {
  readonly name: 'anthropic' | 'openai' | 'simulated'
  readonly model: string
  generate(request: GenerateRequest): Promise<GenerateResult>
}

export type FailureCode =
  'rate_limited' | 'provider_error' | 'timeout' | 'stream_broken' | 'no_diff' | 'interrupted' | 'internal'

/** A failure of one vibecode job, as it is stored and broadcast: `{code, message}`. */
export class VibecodeFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string
  ) {
    super(message)
    this.name = 'VibecodeFailure'
  }
}

export const usageOf = (input: number, output: number): TokenUsage => ({
  input_tokens: input,
  output_tokens: output,
  total_tokens: input + output
})
