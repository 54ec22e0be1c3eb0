// Takes the unified diff out of a model's reply and checks it with a real parser (the `diff`
// package, loaded at the first reply, not at start-up): a reply without one, or with a malformed
// one, is a failed job, not a stored patch.
import { VibecodeFailure } from './providers/types'

const FENCED = /```(?:diff|patch)?[^\n]*\n([\s\S]*?)```/g

function candidates(reply: string): string[] {
  const found = [...reply.matchAll(FENCED)].map((match) => match[1])
  // A bare diff, as some models answer when asked for "only the diff".
  const bare = reply.indexOf('--- ')
  if (bare !== -1) found.push(reply.slice(bare))
  return found
}

export function extractPatch(reply: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
  const { parsePatch } = require('diff') as typeof import('diff')
  for (const text of candidates(reply)) {
    try {
      const files = parsePatch(text)
      const hunks = files.reduce((count, file) => count + file.hunks.length, 0)
      if (files.length > 0 && hunks > 0 && files.every((file) => file.newFileName || file.oldFileName)) {
        return text.endsWith('\n') ? text : `${text}\n`
      }
    } catch {
      // Malformed: try the next candidate.
    }
  }
  throw new VibecodeFailure('no_diff', 'The model replied without a valid unified diff')
}
