// Per-project event streams around the event log: ordering, delivery, replay and pruning.
// (socket.io keeps recovery in its adapter, centrifuge keeps history behind its Broker: here it is
// this class, so the transport - Realtime - only hands it a way to broadcast to a room.)
//
// Each project has one lane (lanes.ts): an event gets its seq, reaches the log and goes out
// on the wire in the same order, and a resuming subscriber's replay is not overtaken by a live
// event of the same project published on this instance.
import { GeneralError } from '@feathersjs/errors'
import type { Knex } from 'knex'
import type { Socket } from 'socket.io'
import type { EventLog } from './event-log'
import { LIVE_ONLY_EVENTS, type Sequenced, type SubscriptionOk } from './events'
import { Lanes } from './lanes'
import type { RealtimeObserver } from './observer'
import { planRecovery } from './recovery'
import { projectRoom } from './rooms'

/** What joining a room (and replaying after `since`) reports back for the ack. */
export type JoinResult = Pick<SubscriptionOk, 'seq' | 'epoch' | 'recovered' | 'replayed'>

/** Sends one event to every socket in a room (one encode; every instance behind the adapter). */
export type RoomBroadcast = (room: string, eventName: string, payload: unknown) => void

export interface ProjectStreamsOptions {
  /** Where events are numbered and kept for resume; without one, events carry no seq. */
  eventLog?: EventLog
  broadcast: RoomBroadcast
  /** How often the event log is pruned (retention and cap live in the log). */
  pruneIntervalMs?: number
  log?: (message: string) => void
  /** Hears each event handed to the adapter, and how long after it was published (metrics). */
  observer?: RealtimeObserver
}

const REPLAY_PAGE = 500

export class ProjectStreams {
  /** Project id -> the tail of its lane of appends, sends and replays. */
  private readonly lanes = new Lanes<number>()
  private pruneTimer?: NodeJS.Timeout
  /** Payloads the outbox logged, with their seq, until the dispatcher sends them. */
  private readonly logged = new WeakMap<object, { projectId: number; seq: number }>()

  constructor(private readonly options: ProjectStreamsOptions) {}

  get eventLog() {
    return this.options.eventLog
  }

  /**
   * Numbers, logs and broadcasts one project event. An event that cannot be logged is not sent
   * (every seq a client sees can be replayed). Live-only events are not logged, but go through the
   * same lane, so they keep their place among the logged ones (no test_output before test_started).
   */
  publish<T extends object>(projectId: number, eventName: string, payload: T): Promise<T & Partial<Sequenced>> {
    const room = projectRoom(projectId)
    const started = performance.now()
    const log = this.options.eventLog
    if (!log) {
      this.send(room, eventName, payload, started)
      return Promise.resolve(payload)
    }
    return this.lanes.run(projectId, async (): Promise<T & Partial<Sequenced>> => {
      if (LIVE_ONLY_EVENTS.has(eventName)) {
        this.send(room, eventName, payload, started)
        return payload
      }
      const seq = await log.append(projectId, eventName, payload)
      const sequenced = { ...payload, seq }
      this.send(room, eventName, sequenced, started)
      return sequenced
    })
  }

  /**
   * The outbox's append: in the transaction of the change (src/outbox.ts). The seq is remembered
   * with the payload, so the dispatcher sends exactly this event with it once the change commits.
   */
  async appendInTransaction(projectId: number, eventName: string, payload: object, trx: Knex.Transaction) {
    const seq = await this.options.eventLog!.append(projectId, eventName, payload, trx)
    this.logged.set(payload, { projectId, seq })
    return seq
  }

  /** The seq the outbox gave this payload for this project, if it did (taken once). */
  takeLogged(payload: object, projectId: number): number | undefined {
    const entry = this.logged.get(payload)
    if (!entry || entry.projectId !== projectId) return undefined
    this.logged.delete(payload)
    return entry.seq
  }

  /**
   * Broadcasts an event the outbox already logged (with its seq) in the transaction of its change
   * (src/outbox.ts): through the project's lane, so it keeps its place among the others.
   */
  sendLogged<T extends Sequenced>(projectId: number, eventName: string, payload: T): Promise<T> {
    const started = performance.now()
    return this.lanes.run(projectId, async () => {
      this.send(projectRoom(projectId), eventName, payload, started)
      return payload
    })
  }

  /** Hands an event to the adapter; the observer hears how long since it was published. */
  private send(room: string, eventName: string, payload: unknown, publishedAt: number) {
    this.options.broadcast(room, eventName, payload)
    this.options.observer?.published?.(eventName, room, performance.now() - publishedAt)
  }

  /**
   * Joins a socket to a project room. With `since`, first replays every logged event after it to
   * this socket, in order. It runs in the project's lane, so no event of this instance can slip
   * between the replay and the live stream; the socket joins before the replay is read, so an event
   * another instance publishes meanwhile is not lost either (it may arrive twice - the typed client
   * drops duplicates by seq).
   */
  join(socket: Socket, projectId: number, since: number | undefined, epoch?: string): Promise<JoinResult> {
    const log = this.options.eventLog
    return this.lanes.run(projectId, async () => {
      // The access check was asynchronous: a socket that left meanwhile must not re-enter a room
      // (the adapter would keep an entry for a socket that no longer exists).
      if (!socket.connected) throw new GeneralError('The socket disconnected before the subscription completed')
      socket.join(projectRoom(projectId))
      if (!log) return {}
      const state = await log.state(projectId)
      const plan = planRecovery(since, epoch, state)
      if (plan.kind === 'fresh') return { seq: plan.latest, epoch: state.epoch }
      if (plan.kind === 'reset') return { seq: plan.latest, epoch: state.epoch, recovered: false, replayed: 0 }
      const replayed = await this.replay(socket, projectId, plan.since, plan.latest)
      return { seq: plan.latest, epoch: state.epoch, recovered: true, replayed }
    })
  }

  /** Sends the logged events in (since, latest] to one socket, oldest first; returns how many. */
  private async replay(socket: Socket, projectId: number, since: number, latest: number) {
    const log = this.options.eventLog!
    let replayed = 0
    for (let after = since; after < latest;) {
      const page = await log.read(projectId, after, REPLAY_PAGE)
      if (page.length === 0) break
      for (const entry of page) {
        if (entry.seq > latest) break
        socket.emit(entry.event, { ...entry.payload, seq: entry.seq })
        replayed++
      }
      after = page[page.length - 1].seq
    }
    return replayed
  }

  /** Starts the background pruning of the event log. */
  startPruning() {
    const log = this.options.eventLog
    if (!log || this.pruneTimer) return
    const prune = () => log.prune().catch((error) => this.options.log?.(`event log pruning failed: ${String(error)}`))
    void prune()
    this.pruneTimer = setInterval(prune, this.options.pruneIntervalMs ?? 60_000)
    this.pruneTimer.unref()
  }

  stopPruning() {
    clearInterval(this.pruneTimer)
    this.pruneTimer = undefined
  }
}
