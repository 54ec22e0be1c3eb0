// Chooses the model provider from the settings. VIBECODE_PROVIDER names one; unset, a configured
// Anthropic key picks anthropic, an OpenAI key or base URL picks openai, and only when nothing is
// configured does the simulated provider run - announced at start-up and in every event.
// Each provider's module (and its SDK) is loaded only when it is the one chosen: together the two
// SDKs weigh ~25 MB of RSS in a process that never calls them (issue 10, item 3).
import { ConfigurationError } from '../../configuration'
import type { ApplicationConfiguration } from '../../configuration'
import type { Provider } from './types'

export * from './types'

export function selectProvider(settings: ApplicationConfiguration): Provider {
  const common = {
    maxTokens: settings.vibecodeMaxTokens,
    maxRetries: settings.vibecodeMaxRetries,
    timeoutMs: settings.vibecodeTimeoutMs
  }
  const name =
    settings.vibecodeProvider ??
    (settings.anthropicApiKey ? 'anthropic' : settings.openaiApiKey || settings.openaiBaseUrl ? 'openai' : 'simulated')

  if (name === 'anthropic') {
    if (!settings.anthropicApiKey && !settings.anthropicBaseUrl) {
      throw new ConfigurationError([
        'VIBECODE_PROVIDER=anthropic needs ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL for a keyless endpoint)'
      ])
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when chosen (see above)
    const { AnthropicProvider } = require('./anthropic') as typeof import('./anthropic')
    return new AnthropicProvider({
      ...common,
      apiKey: settings.anthropicApiKey,
      baseURL: settings.anthropicBaseUrl,
      model: settings.anthropicModel
    })
  }
  if (name === 'openai') {
    if (!settings.openaiApiKey && !settings.openaiBaseUrl) {
      throw new ConfigurationError([
        'VIBECODE_PROVIDER=openai needs OPENAI_API_KEY or OPENAI_BASE_URL (a local server)'
      ])
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when chosen (see above)
    const { OpenAIProvider } = require('./openai') as typeof import('./openai')
    return new OpenAIProvider({
      ...common,
      apiKey: settings.openaiApiKey,
      baseURL: settings.openaiBaseUrl,
      model: settings.openaiModel
    })
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded when chosen (see above)
  const { SimulatedProvider } = require('./simulated') as typeof import('./simulated')
  return new SimulatedProvider({ tokensPerSecond: settings.simulatedTokensPerSecond })
}
