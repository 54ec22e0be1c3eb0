// The client side of presence (used by src/project-rooms.ts; runs in the browser and in Node): per
// followed project, who is there. The list comes whole with every subscribe ack (a resubscribe
// after a reconnect included), and `presence_join` / `presence_leave` keep it up to date between
// acks. A listener hears the whole list after each change.
//
// Counts (`connections`) are exact as of the last ack or event of that entry: a user's second tab
// joining is not an event (presence changes when a user comes or goes, not per tab).
import type { Socket } from 'socket.io-client'
import type { PresenceEntry, PresenceEvent, SubscriptionOk } from './realtime/events'
import { PRESENCE_EVENTS } from './realtime/events/names'

export type PresenceListener = (presence: PresenceEntry[]) => void

export class ProjectPresence {
  /** project id -> entry key -> entry, for followed projects that have had an ack */
  private readonly lists = new Map<number, Map<string, PresenceEntry>>()
  private readonly listeners = new Map<number, Set<PresenceListener>>()

  constructor(socket: Socket) {
    socket.on(PRESENCE_EVENTS.join, (event: PresenceEvent) => this.change(event, true))
    socket.on(PRESENCE_EVENTS.leave, (event: PresenceEvent) => this.change(event, false))
  }

  /** Who is in a project now (empty for a project not followed). */
  list(projectId: number): PresenceEntry[] {
    return [...(this.lists.get(projectId)?.values() ?? [])]
  }

  /** Calls `listener` with the whole list after every change; returns the unsubscribe function. */
  on(projectId: number, listener: PresenceListener): () => void {
    const set = this.listeners.get(projectId) ?? new Set()
    set.add(listener)
    this.listeners.set(projectId, set)
    return () => {
      set.delete(listener)
      if (set.size === 0 && this.listeners.get(projectId) === set) this.listeners.delete(projectId)
    }
  }

  /** A subscribe ack: its list replaces what was known. */
  acknowledged(ack: SubscriptionOk) {
    if (!Array.isArray(ack.presence)) return
    this.lists.set(ack.project_id, new Map(ack.presence.map((entry) => [entry.key, entry])))
    this.notify(ack.project_id)
  }

  /** The project is not followed any more (unsubscribed, revoked). */
  forget(projectId: number) {
    if (this.lists.delete(projectId)) this.notify(projectId)
  }

  private change(event: PresenceEvent, present: boolean) {
    const list = this.lists.get(event?.project_id)
    // Before the first ack (the ack brings the list) or for a project not followed: nothing to keep.
    if (!list || typeof event.user?.key !== 'string') return
    if (present) list.set(event.user.key, event.user)
    else if (!list.delete(event.user.key)) return
    this.notify(event.project_id)
  }

  private notify(projectId: number) {
    const presence = this.list(projectId)
    for (const listener of this.listeners.get(projectId) ?? []) listener(presence)
  }
}
