// The parts of a vibecode answer (src/vibecode): diff extraction, the simulated provider.
import assert from 'assert'
import { applyPatch, parsePatch } from 'diff'
import { extractPatch } from '../../src/vibecode/patch'
import { SimulatedProvider, simulatedReply } from '../../src/vibecode/providers/simulated'
import { VibecodeFailure } from '../../src/vibecode/providers/types'
import { countTokens } from '../../src/vibecode/tokenizer'

const DIFF = '--- a/x.txt\n+++ b/x.txt\n@@ -1,1 +1,1 @@\n-old\n+new\n'

describe('unit: vibecode parts', () => {
  it('extracts a fenced diff, or a bare one', () => {
    assert.strictEqual(extractPatch(`Here you go.\n\n\`\`\`diff\n${DIFF}\`\`\`\nDone.`), DIFF)
    assert.strictEqual(extractPatch(`Explanation first.\n${DIFF}`), DIFF)
  })

  it('refuses replies without a valid diff', () => {
    for (const reply of [
      'no diff here',
      '```diff\nnot a diff\n```',
      '--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-only one line\n'
    ]) {
      assert.throws(
        () => extractPatch(reply),
        (error: any) => error instanceof VibecodeFailure && error.code === 'no_diff',
        reply
      )
    }
  })

  it('builds a simulated diff that applies to an empty file', () => {
    const reply = simulatedReply('Add dark mode\nto the settings page')
    const patch = extractPatch(reply)
    const [file] = parsePatch(patch)
    assert.strictEqual(file.newFileName, 'b/vibecode/add-dark-mode-to-the-settings-page.md')
    const applied = applyPatch('', patch)
    assert.ok(typeof applied === 'string' && applied.includes('> to the settings page'))
  })

  it('streams the simulated reply with real token counts', async () => {
    const provider = new SimulatedProvider({ tokensPerSecond: 100_000 })
    const seen: number[] = []
    const result = await provider.generate({
      system: 'system text',
      prompt: 'Add a feature',
      signal: new AbortController().signal,
      onUsage: (usage) => seen.push(usage.output_tokens)
    })
    assert.strictEqual(result.usage.input_tokens, countTokens('system text') + countTokens('Add a feature'))
    assert.strictEqual(result.usage.output_tokens, countTokens(result.text))
    assert.strictEqual(seen[seen.length - 1], result.usage.output_tokens)
    assert.deepStrictEqual(
      seen,
      [...seen].sort((a, b) => a - b)
    )
  })

  it('stops the simulated stream when aborted', async () => {
    const provider = new SimulatedProvider({ tokensPerSecond: 20 })
    const controller = new AbortController()
    setTimeout(() => controller.abort(new VibecodeFailure('timeout', 'deadline')), 100)
    await assert.rejects(
      provider.generate({ system: 's', prompt: 'p', signal: controller.signal, onUsage: () => undefined }),
      { code: 'timeout' }
    )
  })
})
