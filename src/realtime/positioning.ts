// Positioning (centrifuge's word): every POSITION_INTERVAL_MS, and at once when the adapter's Redis
// connection comes back, each instance tells each project room it serves where the project's
// stream stands - `stream_position {project_id, seq, epoch}`, one small event per room on this
// instance (not per socket). A client whose last seq is behind missed something (an outage of the
// adapter, a broadcast lost between instances) and resubscribes with `since`: no hole stays.
import type { EventLog } from './event-log'
import type { StreamPositionEvent } from './events'
import { PeriodicTask } from './periodic'
import { projectIdOfRoom } from './rooms'

export interface PositioningOptions {
  intervalMs: number
  eventLog: EventLog
  /** The project rooms with sockets on this instance. */
  rooms: () => Iterable<string>
  /** Sends to one room's sockets on this instance only (no adapter round trip). */
  emitLocal: (room: string, payload: StreamPositionEvent) => void
  log?: (message: string) => void
}

export class Positioning {
  private readonly periodic: PeriodicTask

  constructor(private readonly options: PositioningOptions) {
    this.periodic = new PeriodicTask(
      options.intervalMs,
      () => this.round(),
      (error) => options.log?.(`positioning failed: ${String(error)}`)
    )
  }

  start() {
    this.periodic.start()
  }

  stop() {
    this.periodic.stop()
  }

  /** One round over the rooms of this instance now (after an outage, say). */
  announce() {
    return this.periodic.runOnce()
  }

  private async round() {
    for (const room of [...this.options.rooms()]) {
      const projectId = projectIdOfRoom(room)
      if (projectId === null) continue
      const { latest, epoch } = await this.options.eventLog.state(projectId)
      this.options.emitLocal(room, { project_id: projectId, seq: latest, epoch })
    }
  }
}
