// A unified diff as coloured lines: each line of the patch becomes one <span> whose class says
// what it is. The text is HTML-escaped before it is put in markup: a patch is model output and
// holds whatever the prompt asked for (`<script>` included).

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'del' | 'context' | 'meta'

/** What a line of a unified diff is, from its first characters. */
export function diffLineKind(line: string): DiffLineKind {
  if (line.startsWith('+++ ') || line.startsWith('--- ')) return 'file'
  if (line.startsWith('@@')) return 'hunk'
  if (line.startsWith('+')) return 'add'
  if (line.startsWith('-')) return 'del'
  if (line.startsWith(' ') || line === '') return 'context'
  // diff --git, index …, new file mode …, \ No newline at end of file
  return 'meta'
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => ESCAPES[char])

/**
 * The patch as markup: one `<span class="diff-line diff-<kind>">` per line (the page shows them
 * as blocks, so no newline between them), text escaped.
 */
export function renderDiff(patch: string): string {
  const lines = patch.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n')
  return lines
    .map((line) => `<span class="diff-line diff-${diffLineKind(line)}">${escapeHtml(line) || ' '}</span>`)
    .join('')
}

/** Lines added and removed (file headers not counted). */
export function diffStat(patch: string): { added: number; removed: number } {
  let added = 0
  let removed = 0
  for (const line of patch.split('\n')) {
    const kind = diffLineKind(line)
    if (kind === 'add') added++
    else if (kind === 'del') removed++
  }
  return { added, removed }
}
