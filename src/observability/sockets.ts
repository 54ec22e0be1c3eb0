// The realtime side of metrics and logs: each socket's connect and disconnect (id, transport,
// reason), subscribe outcomes and refusals, resumes, published events and their recipients, and
// event log appends. Wired by app.ts into the realtime plugin (`observer`) and around the event log.
import type { Server, Socket } from 'socket.io'
import { FeathersError } from '@feathersjs/errors'
import type { Application } from '../declarations'
import type { EventLog } from '../realtime/event-log'
import type { RealtimeObserver, SubscribeOutcome } from '../realtime/observer'
import type { Metrics } from './metrics'

/** The realtime plugin's observer: counts, durations and subscribe logs. */
export function realtimeObserver(app: Application): RealtimeObserver {
  return {
    published(eventName, room, ms) {
      const metrics = app.metrics
      metrics.published.inc({ event: eventName })
      // Recipients on this instance: the room's size in the adapter when the event went out.
      const recipients = app.realtime.io?.of('/').adapter.rooms.get(room)?.size ?? 0
      if (recipients > 0) metrics.deliveries.inc({ event: eventName }, recipients)
      metrics.broadcastSeconds.observe(ms / 1000)
    },
    subscribed: (socket, outcome) => observeSubscribe(app, socket, outcome),
    disconnected: (socket, reason) => observeDisconnect(app, socket, reason)
  }
}

function observeSubscribe(app: Application, socket: Socket, outcome: SubscribeOutcome) {
  const { metrics } = app
  if (outcome.ok) {
    metrics.subscribeRequests.inc({ outcome: 'ok' })
    if (outcome.recovered === true) {
      metrics.resumes.inc({ outcome: 'recovered' })
      metrics.replayed.inc(outcome.replayed ?? 0)
    } else if (outcome.recovered === false) metrics.resumes.inc({ outcome: 'reset' })
    app.logger.debug({ socket_id: socket.id, project_id: outcome.project_id, seq: outcome.seq }, 'subscribed')
    return
  }
  const error = outcome.error
  const code = error instanceof FeathersError ? error.code : 500
  metrics.subscribeRequests.inc({ outcome: String(code) })
  const fields = { socket_id: socket.id, code, reason: error instanceof Error ? error.message : String(error) }
  if (code >= 500) app.logger.error({ ...fields, err: error }, 'subscribe failed')
  else app.logger.info(fields, 'subscribe refused')
}

/**
 * Logs and counts every socket of this instance: connect (transport), upgrade; the disconnect
 * (reason) is the observer's `disconnected`, called by the realtime plugin's one disconnect
 * listener (a listener more per socket grows every socket's listener array, issue 10). Each line
 * names its socket in a field, not through a child logger per socket: the same JSON line (pino
 * writes a child's bindings where the first field goes), without building a logger for every
 * connect (issue 10, item 2: the accept path).
 */
export function observeSockets(app: Application, io: Server) {
  io.on('connection', (socket) => {
    const transport = socket.conn.transport.name
    const socketId = socket.id
    app.metrics.connects.inc({ transport })
    app.logger.info({ socket_id: socketId, transport, ip: socket.handshake.address }, 'socket connected')
    // Only a socket that started on HTTP long-polling can upgrade.
    if (transport !== 'websocket')
      socket.conn.once('upgrade', () =>
        app.logger.debug({ socket_id: socketId, transport: socket.conn.transport.name }, 'socket upgraded')
      )
  })
}

/** A socket's disconnect: counted by reason and logged with how long it was connected. */
function observeDisconnect(app: Application, socket: Socket, reason: string) {
  app.metrics.disconnects.inc({ reason })
  app.logger.info(
    {
      socket_id: socket.id,
      transport: socket.conn.transport.name,
      reason,
      // socket.io's handshake.issued is its connect time.
      duration_ms: Date.now() - socket.handshake.issued
    },
    'socket disconnected'
  )
}

/** Times every append of an event log (the outbox's, in a transaction, too): the same object, measured. */
export function timedAppends<T extends EventLog>(log: T, metrics: Metrics): T {
  const append = log.append.bind(log)
  log.append = (async (...args: Parameters<EventLog['append']>) => {
    const started = performance.now()
    try {
      return await append(...args)
    } finally {
      metrics.appendSeconds.observe((performance.now() - started) / 1000)
    }
  }) as T['append']
  return log
}
