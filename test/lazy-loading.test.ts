// Issue 10, item 3: a server with the simulated provider loads neither model SDK, nor the BPE
// tokenizer, nor the diff and TAP parsers, nor Redis, the cluster adapter or the Admin UI at
// start-up; each is loaded by its first use, which works as before. A process of its own
// (lazy-loading-probe.ts), since this one has loaded everything already.
import assert from 'assert'
import { execFile } from 'child_process'
import path from 'path'
import { promisify } from 'util'
import { ANTHROPIC_USAGE } from './fakes/anthropic'
import { OPENAI_USAGE } from './fakes/openai'

describe('lazy loading', function () {
  this.timeout(120_000)
  let probe: {
    stages: Record<'started' | 'answered' | 'tap' | 'anthropic' | 'openai', string[]>
    answer: { status: string; provider: string; has_patch: boolean }
    cases: string[]
    anthropicUsage: { input_tokens: number; output_tokens: number }
    openaiUsage: { input_tokens: number; output_tokens: number }
  }

  before(async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'lazy-loading-probe.ts')],
      { env: { ...process.env, NODE_ENV: 'test' }, maxBuffer: 10 * 1024 * 1024 }
    )
    probe = JSON.parse(stdout.trim().split('\n').at(-1)!)
  })

  it('starts without the SDKs, the tokenizer, the parsers, Redis or the Admin UI', () => {
    assert.deepStrictEqual(probe.stages.started, [])
  })

  it('loads the tokenizer and the diff parser with the first simulated answer, which is complete', () => {
    assert.deepStrictEqual(probe.answer, { status: 'completed', provider: 'simulated', has_patch: true })
    assert.deepStrictEqual(probe.stages.answered, ['js-tiktoken', 'diff'])
  })

  it('loads the TAP parser with the first TAP output, and parses it', () => {
    assert.deepStrictEqual(probe.cases, ['greets:true'])
    assert.ok(probe.stages.tap.includes('tap-parser'))
    assert.ok(!probe.stages.tap.includes('@anthropic-ai/sdk'))
  })

  it('loads each SDK when its provider is chosen, and the provider answers through it', () => {
    assert.ok(probe.stages.anthropic.includes('@anthropic-ai/sdk') && !probe.stages.anthropic.includes('openai'))
    assert.ok(probe.stages.openai.includes('openai'))
    assert.strictEqual(probe.anthropicUsage.input_tokens, ANTHROPIC_USAGE.input_tokens)
    assert.strictEqual(probe.anthropicUsage.output_tokens, ANTHROPIC_USAGE.output_tokens)
    assert.strictEqual(probe.openaiUsage.input_tokens, OPENAI_USAGE.prompt_tokens)
    assert.strictEqual(probe.openaiUsage.output_tokens, OPENAI_USAGE.completion_tokens)
  })

  it('never loads Redis, the adapters or the Admin UI without REDIS_URL, WORKERS or the UI turned on', () => {
    for (const name of ['redis', '@socket.io/redis-adapter', '@socket.io/cluster-adapter', '@socket.io/admin-ui'])
      assert.ok(!probe.stages.openai.includes(name), name)
  })
})
