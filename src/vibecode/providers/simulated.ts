// For frontend work without a model: a reply at a realistic pace, with a real unified diff built
// from the prompt and token counts from a real tokenizer (cl100k_base) over the actual prompt and
// output. Every event it causes says `"provider": "simulated"`; it is only chosen when no provider
// is configured (see ./index.ts).
import { countTokens, tokenPieces } from '../tokenizer'
import type { GenerateRequest, GenerateResult, Provider } from './types'
import { VibecodeFailure, usageOf } from './types'

export interface SimulatedOptions {
  /** Output pace (default 60 tokens per second). */
  tokensPerSecond: number
}

const slug = (prompt: string) =>
  prompt
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40) || 'change'

/** A new Markdown file that records the request: a diff any patch tool applies. */
export function simulatedReply(prompt: string): string {
  const file = `vibecode/${slug(prompt)}.md`
  const lines = prompt
    .trim()
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
  const body = [
    `# ${prompt.trim().split(/\r?\n/)[0].slice(0, 80)}`,
    '',
    'Requested change:',
    '',
    ...lines,
    '',
    'Status: simulated (no model configured).',
    ''
  ]
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at the first reply, not at start-up
  const { createTwoFilesPatch } = require('diff') as typeof import('diff')
  const patch = createTwoFilesPatch('/dev/null', `b/${file}`, '', body.join('\n'), '', '', { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====='))
    .join('\n')
  return `This is a simulated reply: no model provider is configured, so the change records your request in ${file}.\n\n\`\`\`diff\n${patch}\`\`\`\n`
}

export class SimulatedProvider implements Provider {
  readonly name = 'simulated'
  readonly model = 'simulated-1'

  constructor(private readonly options: SimulatedOptions) {}

  async generate({ system, prompt, signal, onUsage }: GenerateRequest): Promise<GenerateResult> {
    const input = countTokens(system) + countTokens(prompt)
    const reply = simulatedReply(prompt)
    const pieces = tokenPieces(reply)
    const perToken = 1000 / this.options.tokensPerSecond
    const started = Date.now()
    onUsage(usageOf(input, 0))
    for (let i = 0; i < pieces.length; i++) {
      if (signal.aborted)
        throw signal.reason instanceof VibecodeFailure
          ? signal.reason
          : new VibecodeFailure('timeout', 'simulated: aborted')
      onUsage(usageOf(input, i + 1))
      // Keep the pace against the clock, not per token: timers are coarse.
      const due = started + (i + 1) * perToken - Date.now()
      if (due > 1) await new Promise((resolve) => setTimeout(resolve, due))
    }
    // Single decoded tokens can split a multi-byte character: the text is the reply itself.
    return { text: reply, usage: usageOf(input, countTokens(reply)), model: this.model }
  }
}
