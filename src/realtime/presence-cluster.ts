// Presence between instances, through the adapter's server-side requests (the Redis adapter, the
// cluster adapter of WORKERS=n: both carry io.serverSideEmit). Each instance owns its part and says
// when it changes:
//   - `part`: one entry's part on the sending instance changed (a join, a count, a leave) - O(1),
//     sent per change, never a scan;
//   - `holding`: everything the sending instance holds, once per heartbeat interval, at start-up
//     ('hello'), and in reply to a hello or to an instance heard for the first time (so a newcomer
//     knows the room at once);
//     it replaces what was known of that instance, so a lost `part` heals within an interval;
//   - `bye`: the instance shuts down; what it held leaves after the grace period unless its
//     sockets reconnect elsewhere meanwhile.
// An instance not heard for 1.75 intervals (checked every quarter interval) is taken for dead and
// what it held leaves: a killed instance's users are gone within two heartbeat intervals.
import type { Server } from 'socket.io'
import { asClusterServer, type ClusterServer } from './cluster'
import type { PresenceEntry } from './presence-types'
import type { PresenceChange, PresenceView } from './presence-view'

export type PresenceMessage =
  | { kind: 'part'; instance: string; project_id: number; key: string; part: PresenceEntry | null }
  | {
      kind: 'holding'
      instance: string
      holding: Record<string, PresenceEntry[]>
      /** 'hello': just started, everyone answers with theirs; 'reply': such an answer. */
      why: 'hello' | 'periodic' | 'reply'
    }
  | { kind: 'bye'; instance: string; grace_ms: number }

export interface PresenceClusterOptions {
  instance: string
  intervalMs: number
  /** This instance's parts, per project. */
  holding: () => Record<string, PresenceEntry[]>
  view: PresenceView
  apply: (changes: PresenceChange[]) => void
  log?: (message: string) => void
}

const SILENT_INTERVALS = 1.75
const SWEEPS_PER_INTERVAL = 4

export class PresenceCluster {
  private io?: ClusterServer
  /** Other instance id -> when it was last heard (Date.now()). */
  private readonly lastHeard = new Map<string, number>()
  private timers: NodeJS.Timeout[] = []

  constructor(private readonly options: PresenceClusterOptions) {}

  private get expiryMs() {
    return this.options.intervalMs * SILENT_INTERVALS
  }

  bind(io: Server) {
    const server = asClusterServer(io)
    this.io = server
    server.on('vibecode:presence', (message) => this.receive(message))
    const { intervalMs } = this.options
    this.timers = [
      setInterval(() => this.announce('periodic'), intervalMs),
      setInterval(() => this.sweep(), Math.max(1, Math.round(intervalMs / SWEEPS_PER_INTERVAL)))
    ]
    for (const timer of this.timers) timer.unref()
    this.announce('hello')
  }

  /** This instance's part of an entry changed. */
  tell(projectId: number, key: string, part: PresenceEntry | null) {
    this.send({ kind: 'part', instance: this.options.instance, project_id: projectId, key, part })
  }

  /** Stops announcing; the others hear that this instance's entries go after `graceMs`. */
  stop(graceMs = 0) {
    for (const timer of this.timers) clearInterval(timer)
    this.timers = []
    if (this.io) this.send({ kind: 'bye', instance: this.options.instance, grace_ms: graceMs })
    this.io = undefined
  }

  private announce(why: 'hello' | 'periodic' | 'reply') {
    this.send({ kind: 'holding', instance: this.options.instance, holding: this.options.holding(), why })
  }

  private send(message: PresenceMessage) {
    try {
      this.io?.serverSideEmit('vibecode:presence', message)
    } catch (error) {
      this.options.log?.(`presence: could not tell the other instances: ${String(error)}`)
    }
  }

  private receive(message: PresenceMessage) {
    const { instance } = message ?? {}
    if (typeof instance !== 'string' || instance === this.options.instance) return
    const known = this.lastHeard.has(instance)
    this.lastHeard.set(instance, Date.now())
    const { view, apply } = this.options
    if (message.kind === 'holding') {
      apply(view.replace(instance, message.holding ?? {}))
      // A newcomer (or an instance restarted under the same id) learns the others' at once.
      if (message.why === 'hello' || (!known && message.why !== 'reply')) this.announce('reply')
    } else if (message.kind === 'part') {
      const change = view.set(instance, message.project_id, message.key, message.part)
      if (change) apply([change])
    } else if (message.kind === 'bye') {
      // Swept once the grace period is over (earlier than a silent instance would be).
      const graceMs = Math.min(Math.max(Number(message.grace_ms) || 0, 0), this.expiryMs)
      this.lastHeard.set(instance, Date.now() - this.expiryMs + graceMs)
    }
  }

  /** Instances not heard for too long are gone, and so are their entries. */
  private sweep() {
    const deadline = Date.now() - this.expiryMs
    for (const [instance, heard] of this.lastHeard) {
      if (heard > deadline) continue
      this.lastHeard.delete(instance)
      this.options.log?.(`presence: instance ${instance} not heard for ${this.expiryMs} ms: its entries leave`)
      this.options.apply(this.options.view.drop(instance))
    }
  }
}
