// The debug page's presence panel: who is in the project now (client.rooms.onPresence), one line
// per entry - a user with their tab count, or with AUTH=off one connection - and since when.
import type { PresenceEntry } from '../client'
import { clock, el } from './dom'

export class PresencePanel {
  constructor(
    private readonly list: HTMLElement,
    private readonly counter: HTMLElement
  ) {}

  show(presence: PresenceEntry[]) {
    const sorted = [...presence].sort((a, b) => a.since.localeCompare(b.since) || a.key.localeCompare(b.key))
    this.list.replaceChildren(
      ...sorted.map((entry) =>
        el(
          'li',
          { 'data-key': entry.key, 'data-connections': entry.connections },
          el('strong', {}, entry.user_id === null ? `${entry.name} (${entry.key.slice(0, 13)})` : entry.name),
          ' ',
          el(
            'span',
            { class: 'muted' },
            `${entry.connections} tab${entry.connections === 1 ? '' : 's'}, since ${clock(entry.since)}`
          )
        )
      )
    )
    this.counter.textContent = String(presence.length)
  }
}
