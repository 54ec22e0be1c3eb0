// This instance's part of presence: which of its sockets are in which project room, counted per
// entry (a user's tabs are one entry). It reports its part of an entry each time it changes - the
// first socket, a count change, the last socket gone - and nothing else; presence.ts merges that
// into the cluster-wide view and tells the other instances.
//
// The grace period: an entry whose last socket left by disconnecting (a network blip, a page
// reload) is kept, still counting that socket, for `graceMs`; a socket of the same entry that
// joins meanwhile takes its place and nobody hears a leave. A socket that leaves by decision
// (unsubscribe, revocation, expired login) leaves at once.
import type { PresenceEntry, PresenceIdentity } from './presence-types'

interface LocalEntry {
  identity: PresenceIdentity
  sockets: Set<string>
  since: string
  /** The last socket, disconnected, kept until the grace period ends. */
  held?: { socketId: string; timer: NodeJS.Timeout }
}

/** This instance's part of an entry changed: `part`, or null when it has none left. */
export type LocalChange = (projectId: number, key: string, part: PresenceEntry | null) => void

export class LocalPresence {
  /** project id -> entry key -> this instance's sockets of it */
  private readonly entries = new Map<number, Map<string, LocalEntry>>()
  /** socket id -> project id -> the entry key it counts towards (taken at join: a later login does not move it) */
  private readonly socketKeys = new Map<string, Map<number, string>>()
  /** Shutting down: the sockets' leaves that follow are not changes anyone should hear. */
  private stopped = false

  constructor(
    private readonly graceMs: number,
    private readonly changed: LocalChange,
    private readonly now: () => Date = () => new Date()
  ) {}

  /** A socket of this instance joined a project room. */
  joined(projectId: number, socketId: string, identity: PresenceIdentity) {
    if (this.stopped) return
    const keys = this.socketKeys.get(socketId) ?? new Map<number, string>()
    if (keys.has(projectId)) return
    keys.set(projectId, identity.key)
    this.socketKeys.set(socketId, keys)
    const room = this.entries.get(projectId) ?? new Map<string, LocalEntry>()
    this.entries.set(projectId, room)
    const entry = room.get(identity.key)
    if (!entry) {
      const since = this.now().toISOString()
      room.set(identity.key, { identity, sockets: new Set([socketId]), since })
      return this.report(projectId, room.get(identity.key)!)
    }
    // Back within the grace period: the new socket takes the held one's place (the count stays).
    if (entry.held) this.release(entry)
    entry.sockets.add(socketId)
    this.report(projectId, entry)
  }

  /** A socket of this instance left a project room; `disconnected`: by losing its connection. */
  left(projectId: number, socketId: string, disconnected: boolean) {
    if (this.stopped) return
    const keys = this.socketKeys.get(socketId)
    const key = keys?.get(projectId)
    if (key === undefined) return
    keys!.delete(projectId)
    if (keys!.size === 0) this.socketKeys.delete(socketId)
    const room = this.entries.get(projectId)
    const entry = room?.get(key)
    if (!room || !entry) return
    if (entry.sockets.size > 1) {
      entry.sockets.delete(socketId)
      return this.report(projectId, entry)
    }
    if (disconnected && this.graceMs > 0) {
      const timer = setTimeout(() => this.gone(projectId, key, entry), this.graceMs)
      timer.unref()
      entry.held = { socketId, timer }
      return
    }
    this.gone(projectId, key, entry)
  }

  /** This instance's parts, per project (what it announces to the others). */
  holding(): Record<string, PresenceEntry[]> {
    const holding: Record<string, PresenceEntry[]> = {}
    for (const [projectId, room] of this.entries)
      holding[projectId] = [...room.values()].map((entry) => this.part(entry))
    return holding
  }

  /**
   * Shutdown: ends every grace period without a leave, and the sockets closing next change nothing
   * (the other instances hear `bye` instead; a room of N would otherwise hear N leaves, N times).
   */
  stop() {
    this.stopped = true
    for (const room of this.entries.values()) for (const entry of room.values()) clearTimeout(entry.held?.timer)
  }

  private gone(projectId: number, key: string, entry: LocalEntry) {
    const room = this.entries.get(projectId)
    if (room?.get(key) !== entry) return
    clearTimeout(entry.held?.timer)
    room.delete(key)
    if (room.size === 0) this.entries.delete(projectId)
    this.changed(projectId, key, null)
  }

  private release(entry: LocalEntry) {
    clearTimeout(entry.held!.timer)
    entry.sockets.delete(entry.held!.socketId)
    entry.held = undefined
  }

  private report(projectId: number, entry: LocalEntry) {
    this.changed(projectId, entry.identity.key, this.part(entry))
  }

  private part(entry: LocalEntry): PresenceEntry {
    return { ...entry.identity, connections: entry.sockets.size, since: entry.since }
  }
}
