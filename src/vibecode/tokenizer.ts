// A real BPE tokenizer (cl100k_base via js-tiktoken, ranks shipped in the package) for the
// simulated provider's token counts. Loaded on first use: its tables take ~100 ms to build.
import type { Tiktoken } from 'js-tiktoken'

let encoding: Tiktoken | undefined

function tokenizer(): Tiktoken {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use: its BPE tables are large
  encoding ??= (require('js-tiktoken') as typeof import('js-tiktoken')).getEncoding('cl100k_base')
  return encoding
}

export const countTokens = (text: string) => tokenizer().encode(text).length

/** The text split into its tokens' strings, for streaming token by token. */
export function tokenPieces(text: string): string[] {
  const enc = tokenizer()
  return enc.encode(text).map((token) => enc.decode([token]))
}
