// The messages table: one row per message, updated in place as its events arrive - status
// (pending → streaming → completed | failed), a token meter that climbs with `token_usage`, the
// duration (ticking while the answer streams), provider and model - and under it the patch as a
// coloured diff, or the error.
import type { Message, TokenUsage, TokenUsageEvent, VibecodeErrorEvent, VibecodeResponseEvent } from '../client'
import { diffStat, renderDiff } from './diff'
import { el, formatDuration } from './dom'

type Status = Message['status']
const RANK: Record<Status, number> = { pending: 0, streaming: 1, completed: 2, failed: 2 }

interface Row {
  id: number
  status: Status
  /** Browser time the answer started (for the ticking duration), or the record's created_at. */
  since: number
  durationMs?: number
  usage?: TokenUsage
  cells: Record<'prompt' | 'status' | 'meter' | 'tokens' | 'duration' | 'provider', HTMLElement>
  row: HTMLTableRowElement
  detail: HTMLElement
  patchShown: boolean
}

/** The meter's full scale: the next power of two above the count (at least 256), so it climbs visibly. */
const scaleOf = (tokens: number) => Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(tokens, 1))))

export class MessageRows {
  private readonly rows = new Map<number, Row>()
  private readonly timer: ReturnType<typeof setInterval>

  constructor(private readonly body: HTMLElement) {
    this.timer = setInterval(() => this.tick(), 100)
  }

  stop() {
    clearInterval(this.timer)
  }

  clear() {
    this.rows.clear()
    this.body.replaceChildren()
  }

  private rowOf(id: number, createdAt?: string): Row {
    const existing = this.rows.get(id)
    if (existing) return existing
    const cells = {
      prompt: el('td', { class: 'prompt' }, '…'),
      status: el('span', { class: 'badge status-pending' }, 'pending'),
      meter: el('div', { class: 'meter-fill' }),
      tokens: el('span', { class: 'tokens' }, '–'),
      duration: el('td', { class: 'duration' }, '–'),
      provider: el('td', { class: 'provider' })
    }
    const row = el(
      'tr',
      { class: 'message', 'data-message-id': id, 'data-status': 'pending' },
      el('td', { class: 'id' }, `#${id}`),
      cells.prompt,
      el('td', {}, cells.status),
      el('td', { class: 'usage' }, el('div', { class: 'meter' }, cells.meter), cells.tokens),
      cells.duration,
      cells.provider
    )
    const detail = el('td', { colspan: 6 })
    const entry: Row = { id, status: 'pending', since: Date.now(), cells, row, detail, patchShown: false }
    if (createdAt) entry.since = Math.min(Date.now(), Date.parse(createdAt) || Date.now())
    this.rows.set(id, entry)
    // Newest first: before the first row of an older message (history may load after live rows).
    const older = [...this.body.querySelectorAll<HTMLElement>('tr.message')].find(
      (other) => Number(other.dataset.messageId) < id
    )
    const pair = [row, el('tr', { class: 'message-detail', 'data-message-id': id }, detail)]
    if (older) older.before(...pair)
    else this.body.append(...pair)
    return entry
  }

  private setStatus(row: Row, status: Status) {
    if (RANK[status] < RANK[row.status]) return
    if (row.status === 'pending' && status === 'streaming') row.since = Date.now()
    row.status = status
    row.row.dataset.status = status
    row.cells.status.className = `badge status-${status}`
    row.cells.status.textContent = status
  }

  private setUsage(row: Row, usage: TokenUsage, final: boolean) {
    row.usage = usage
    const { input_tokens: input, output_tokens: output, total_tokens: total } = usage
    row.cells.meter.style.width = `${final ? 100 : Math.min(100, (100 * output) / scaleOf(output))}%`
    row.cells.meter.classList.toggle('final', final)
    row.cells.tokens.textContent = `${total} tokens (in ${input} · out ${output})`
    Object.assign(row.cells.tokens.dataset, { input, output, total, final })
  }

  private setDuration(row: Row, ms: number) {
    row.durationMs = ms
    row.cells.duration.textContent = formatDuration(ms)
  }

  private showPatch(row: Row, patch: string) {
    if (row.patchShown) return
    row.patchShown = true
    const { added, removed } = diffStat(patch)
    const pre = el('pre', { class: 'diff' })
    pre.innerHTML = renderDiff(patch) // escaped line by line in renderDiff
    const summary = el('summary', {}, 'patch ', el('span', { class: 'stat-add' }, `+${added}`), ' ')
    summary.append(el('span', { class: 'stat-del' }, `-${removed}`))
    row.detail.replaceChildren(el('details', { open: '' }, summary, pre))
  }

  private showError(row: Row, error: { code: string; message: string }) {
    row.detail.replaceChildren(el('div', { class: 'error' }, `${error.code}: ${error.message}`))
  }

  /** A message record: `messages created` / `patched`, or one loaded over REST. */
  upsert(message: Message) {
    const row = this.rowOf(message.id, message.created_at)
    row.cells.prompt.textContent = message.prompt.length > 120 ? `${message.prompt.slice(0, 117)}…` : message.prompt
    row.cells.prompt.title = message.prompt
    this.setStatus(row, message.status)
    if (message.token_usage) this.setUsage(row, message.token_usage, message.status === 'completed')
    if (message.duration_ms !== null && message.duration_ms !== undefined) this.setDuration(row, message.duration_ms)
    if (message.provider) this.setProvider(row, message.provider, message.model)
    if (message.patch) this.showPatch(row, message.patch)
    if (message.error) this.showError(row, message.error)
  }

  private setProvider(row: Row, provider: string, model?: string | null) {
    row.cells.provider.textContent = model ? `${provider} · ${model}` : provider
  }

  tokenUsage(event: TokenUsageEvent) {
    const row = this.rowOf(event.message_id)
    this.setStatus(row, 'streaming')
    this.setUsage(row, event, event.final)
  }

  response(event: VibecodeResponseEvent) {
    const row = this.rowOf(event.message_id)
    this.setUsage(row, event.token_usage, true)
    this.setDuration(row, event.duration_ms)
    this.setProvider(row, event.provider, event.model)
    this.showPatch(row, event.patch)
    this.setStatus(row, 'completed')
  }

  failure(event: VibecodeErrorEvent) {
    const row = this.rowOf(event.message_id)
    this.setProvider(row, event.provider)
    this.showError(row, event.error)
    this.setStatus(row, 'failed')
  }

  /** Pending and streaming rows show their time so far. */
  private tick() {
    for (const row of this.rows.values()) {
      if (RANK[row.status] === 2 || row.durationMs !== undefined) continue
      row.cells.duration.textContent = `${formatDuration(Date.now() - row.since)} …`
    }
  }
}
