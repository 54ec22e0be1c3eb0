// A timer that sends `heartbeat` to every socket of this instance. Started by the app's setup hook,
// stopped by its teardown hook; unref'd so it never keeps a process alive on its own.
import type { HeartbeatEvent } from './events'
import { PeriodicTask } from './periodic'

export interface HeartbeatFigures {
  /** Sockets and instances: the cluster's when clustered, else this instance's. */
  cluster: { connections: number; instances: number; complete: boolean }
  instance: string
  instanceConnections: number
  /** Project rooms with at least one socket on this instance. */
  rooms: number
  intervalMs: number
  startedAt: number
}

/** The `heartbeat` payload of one beat. */
export function heartbeatPayload(figures: HeartbeatFigures, now = Date.now()): HeartbeatEvent {
  return {
    type: 'heartbeat',
    connections: figures.cluster.connections,
    timestamp: new Date(now).toISOString(),
    instance: figures.instance,
    instance_connections: figures.instanceConnections,
    instances: figures.cluster.instances,
    complete: figures.cluster.complete,
    rooms: figures.rooms,
    interval_ms: figures.intervalMs,
    uptime_s: Math.round((now - figures.startedAt) / 1000)
  }
}

export interface HeartbeatOptions {
  intervalMs: number
  build: () => Promise<HeartbeatEvent>
  send: (event: HeartbeatEvent) => void
  onError?: (error: unknown) => void
}

export class Heartbeat {
  private readonly periodic: PeriodicTask
  /** The last beat built: its cluster count is what the metrics report between beats. */
  last?: HeartbeatEvent

  constructor(private readonly options: HeartbeatOptions) {
    this.periodic = new PeriodicTask(options.intervalMs, () => this.send(), options.onError)
  }

  get running() {
    return this.periodic.running
  }

  start() {
    this.periodic.start()
  }

  stop() {
    this.periodic.stop()
  }

  /** One beat; a beat still waiting for a cluster count is not overlapped by the next one. */
  beat() {
    return this.periodic.runOnce()
  }

  private async send() {
    const event = await this.options.build()
    this.last = event
    // Stopped while building: a beat after shutdown would go to closing sockets.
    if (this.running) this.options.send(event)
  }
}
