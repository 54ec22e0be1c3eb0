// Which provider answers: the simulated one only when nothing is configured, never in place of a
// configured provider that cannot work.
import assert from 'assert'
import {
  ConfigurationError,
  loadConfiguration,
  normalizeConfiguration,
  validateConfiguration
} from '../../src/configuration'
import { selectProvider } from '../../src/vibecode/providers'

// Whatever the environment or config/test.json say about providers is cleared first.
const cleared = { vibecodeProvider: '', anthropicApiKey: '', anthropicBaseUrl: '', openaiApiKey: '', openaiBaseUrl: '' }
const settings = (overrides: Record<string, unknown>) =>
  validateConfiguration(normalizeConfiguration({ ...loadConfiguration(), ...cleared, ...overrides }))

describe('unit: provider selection', () => {
  it('is simulated when nothing is configured', () => {
    assert.strictEqual(selectProvider(settings({})).name, 'simulated')
  })

  it('follows the keys and base URLs that are set', () => {
    assert.strictEqual(selectProvider(settings({ anthropicApiKey: 'sk-ant-x' })).name, 'anthropic')
    assert.strictEqual(selectProvider(settings({ openaiApiKey: 'sk-x' })).name, 'openai')
    assert.strictEqual(selectProvider(settings({ openaiBaseUrl: 'http://127.0.0.1:11434/v1' })).name, 'openai')
    // Both keys: VIBECODE_PROVIDER decides, else Anthropic.
    assert.strictEqual(selectProvider(settings({ anthropicApiKey: 'a', openaiApiKey: 'o' })).name, 'anthropic')
    assert.strictEqual(
      selectProvider(settings({ anthropicApiKey: 'a', openaiApiKey: 'o', vibecodeProvider: 'openai' })).name,
      'openai'
    )
  })

  it('refuses to start a named provider without its key instead of simulating', () => {
    for (const vibecodeProvider of ['anthropic', 'openai']) {
      assert.throws(() => selectProvider(settings({ vibecodeProvider })), ConfigurationError)
    }
  })

  it('names an unknown provider as a bad setting', () => {
    assert.throws(() => settings({ vibecodeProvider: 'gemini' }), /vibecodeProvider \(VIBECODE_PROVIDER\)/)
  })
})
