// The raw event list, for those who want it: every room event as it arrived (newest first), with
// its seq or "(live-only)", the payload as JSON. The last MAX_ITEMS are kept.
import { el } from './dom'

const MAX_ITEMS = 500

export class RawEvents {
  private count = 0

  constructor(
    private readonly list: HTMLElement,
    private readonly counter: HTMLElement
  ) {}

  add(event: string, payload: unknown) {
    const { seq } = (payload ?? {}) as { seq?: unknown }
    const numbered = typeof seq === 'number'
    const item = el(
      'li',
      { 'data-event': event, 'data-seq': numbered ? seq : undefined },
      el('span', { class: numbered ? 'seq' : 'seq live' }, numbered ? `#${seq}` : '(live-only)'),
      ' ',
      el('strong', {}, event),
      ' ',
      JSON.stringify(payload)
    )
    this.list.prepend(item)
    while (this.list.childElementCount > MAX_ITEMS) this.list.lastElementChild?.remove()
    this.counter.textContent = String(++this.count)
  }
}
