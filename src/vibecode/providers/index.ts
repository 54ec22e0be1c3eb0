// Chooses the model provider from the settings. VIBECODE_PROVIDER names one; unset, a configured
// Anthropic key picks anthropic, an OpenAI key or base URL picks openai, and only when nothing is
// configured does the simulated provider run - announced at start-up and in every event.
import { ConfigurationError } from '../../configuration'
import type { ApplicationConfiguration } from '../../configuration'
import { AnthropicProvider } from './anthropic'
import { OpenAIProvider } from './openai'
import { SimulatedProvider } from './simulated'
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
    return new OpenAIProvider({
      ...common,
      apiKey: settings.openaiApiKey,
      baseURL: settings.openaiBaseUrl,
      model: settings.openaiModel
    })
  }
  return new SimulatedProvider({ tokensPerSecond: settings.simulatedTokensPerSecond })
}
