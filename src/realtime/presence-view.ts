// Presence as one instance sees the whole cluster: per project, per entry (a user, or with AUTH=off
// one connection), the part each instance holds (its sockets of that entry and since when). The
// entry seen by clients is the sum of the parts: `connections` added up, `since` the earliest.
//
// Every change is O(instances holding that entry): a map lookup, never a scan of the room - so a
// join or a leave costs the same with 10 or 1,000 entries present (test/bench/presence.ts).
// Only the first part of an entry appearing is a join, only the last one going away a leave: a
// user with a tab on each instance stays present while either tab does.
import type { PresenceEntry } from './presence-types'

/** The merged entry appeared (join), went away (leave) or changed its count (update). */
export interface PresenceChange {
  kind: 'join' | 'leave' | 'update'
  projectId: number
  entry: PresenceEntry
}

/** Per instance id, that instance's part of one entry. */
type Parts = Map<string, PresenceEntry>

/** What one instance holds: project id -> entry key -> its part. */
export type InstanceParts = Map<number, Map<string, PresenceEntry>>

function merge(parts: Parts): PresenceEntry {
  let merged: PresenceEntry | undefined
  for (const part of parts.values()) {
    merged = merged
      ? { ...merged, connections: merged.connections + part.connections, since: earlier(merged.since, part.since) }
      : { ...part }
  }
  return merged!
}

// ISO 8601 times of one format compare as text.
const earlier = (a: string, b: string) => (a <= b ? a : b)

export class PresenceView {
  /** project id -> entry key -> the instances' parts */
  private readonly projects = new Map<number, Map<string, Parts>>()
  /** instance id -> what it holds (to replace or drop an instance's parts without a scan). */
  private readonly instances = new Map<string, InstanceParts>()

  /** The entries present in a project now (the subscribe ack and GET …/presence). */
  list(projectId: number): PresenceEntry[] {
    return [...(this.projects.get(projectId)?.values() ?? [])].map(merge)
  }

  /** How many entries are present in a project. */
  size(projectId: number): number {
    return this.projects.get(projectId)?.size ?? 0
  }

  /** What an instance holds (this instance's own parts are what it announces). */
  partsOf(instance: string): InstanceParts {
    return this.instances.get(instance) ?? new Map()
  }

  /** Instances whose parts are held here. */
  knownInstances(): string[] {
    return [...this.instances.keys()]
  }

  /** One instance's part of one entry is now `part` (null: it has none). */
  set(instance: string, projectId: number, key: string, part: PresenceEntry | null): PresenceChange | undefined {
    const room = this.projects.get(projectId) ?? new Map<string, Parts>()
    const parts = room.get(key) ?? new Map<string, PresenceEntry>()
    const had = parts.size > 0
    const before = had ? merge(parts) : undefined
    if (part) parts.set(instance, part)
    else if (!parts.delete(instance)) return undefined
    this.index(instance, projectId, key, part)
    if (parts.size === 0) {
      room.delete(key)
      if (room.size === 0) this.projects.delete(projectId)
      // The entry as it was last present (its last count, at least 1).
      return { kind: 'leave', projectId, entry: before! }
    }
    room.set(key, parts)
    this.projects.set(projectId, room)
    const entry = merge(parts)
    if (!had) return { kind: 'join', projectId, entry }
    return entry.connections === before!.connections && entry.since === before!.since
      ? undefined
      : { kind: 'update', projectId, entry }
  }

  /** An instance's whole holding, as it announced it: the differences are applied. */
  replace(instance: string, holding: Record<string, PresenceEntry[]>): PresenceChange[] {
    const changes: PresenceChange[] = []
    const next = new Map<number, Map<string, PresenceEntry>>()
    for (const [id, entries] of Object.entries(holding)) {
      const projectId = Number(id)
      if (!Number.isSafeInteger(projectId) || !Array.isArray(entries)) continue
      next.set(projectId, new Map(entries.map((entry) => [entry.key, entry])))
    }
    for (const [projectId, entries] of this.partsOf(instance)) {
      for (const key of [...entries.keys()]) {
        if (!next.get(projectId)?.has(key)) changes.push(...this.present(this.set(instance, projectId, key, null)))
      }
    }
    for (const [projectId, entries] of next) {
      for (const [key, part] of entries) changes.push(...this.present(this.set(instance, projectId, key, part)))
    }
    return changes
  }

  /** An instance is gone (dead or shut down): everything it held leaves. */
  drop(instance: string): PresenceChange[] {
    return this.replace(instance, {})
  }

  private present(change: PresenceChange | undefined): PresenceChange[] {
    return change ? [change] : []
  }

  private index(instance: string, projectId: number, key: string, part: PresenceEntry | null) {
    const held = this.instances.get(instance) ?? new Map<number, Map<string, PresenceEntry>>()
    const entries = held.get(projectId) ?? new Map<string, PresenceEntry>()
    if (part) entries.set(key, part)
    else entries.delete(key)
    if (entries.size > 0) held.set(projectId, entries)
    else held.delete(projectId)
    if (held.size > 0) this.instances.set(instance, held)
    else this.instances.delete(instance)
  }
}
