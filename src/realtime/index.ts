// The realtime plugin: creates the Realtime transport (realtime.ts), wires it into Feathers
// (socket.io options, the room dispatcher, the subscriptions and connections services) and ties
// it to the app's setup and teardown.
//
//   app.configure(realtime({ ... }))          // in app.ts
//   app.realtime.projectChannel(id)          // in channels.ts publishers
//   await app.realtime.publish(id, 'vibecode_response', payload)   // producers of typed events
import socketio from '@feathersjs/socketio'
import type { Server, ServerOptions } from 'socket.io'
import type { Application, NextFunction } from '../declarations'
import { createRoomDispatcher } from './dispatch'
import { Realtime, type RealtimeOptions } from './realtime'
import { ConnectionsService, SubscriptionService } from './services'

export * from './events'
export { KnexEventLog, type EventLog } from './event-log'
export { RoomChannel, RoomTarget, projectRoom, projectIdOfRoom } from './rooms'
export { Realtime, type RealtimeOptions } from './realtime'

declare module '@feathersjs/feathers/lib/declarations' {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the augmented interface must repeat Feathers' type parameters
  interface Application<Services, Settings> {
    realtime: Realtime
  }
}

declare module '../declarations' {
  interface ServiceTypes {
    subscriptions: SubscriptionService
    connections: ConnectionsService
  }
}

/** How many distinct Origin or Host values a check remembers before it starts over. */
const REMEMBERED = 1000

/**
 * A pure check of a header value, remembered: every handshake of a client sends the same Origin
 * and Host, and parsing them cost ~2 % of an accept (issue 10). Bounded, so strangers sending
 * made-up values cannot grow it.
 */
function remembered(check: (value: string | undefined) => boolean) {
  const answers = new Map<string | undefined, boolean>()
  return (value: string | undefined) => {
    let answer = answers.get(value)
    if (answer === undefined) {
      if (answers.size >= REMEMBERED) answers.clear()
      answers.set(value, (answer = check(value)))
    }
    return answer
  }
}

export const realtime = (options: RealtimeOptions) => (app: Application) => {
  const rt = new Realtime(options)
  app.realtime = rt

  // Browsers get a CORS grant, and may open a socket, only from allowed origins: socket.io's cors
  // option answers the preflight, allowRequest refuses the handshake itself (a WebSocket upgrade
  // has no preflight).
  const allowOrigin = remembered(options.allowOrigin)
  const allowHost = options.allowHost && remembered(options.allowHost)
  const cors = {
    origin: (origin: string | undefined, done: (error: Error | null, allow?: boolean) => void) =>
      done(null, allowOrigin(origin))
  }
  const allowRequest: ServerOptions['allowRequest'] = (request, done) => {
    const { origin, host } = request.headers
    const refused = options.refuseConnections?.()
    if (refused) return done(refused, false)
    const allowed = allowOrigin(origin) && (allowHost?.(host) ?? true)
    done(allowed ? null : 'Origin or Host not allowed', allowed)
  }
  app.configure(socketio({ cors, allowRequest, ...options.socketOptions }, (io: Server) => rt.bindServer(io)))
  // Room channels are sent here; Feathers' own dispatcher still handles ordinary channels.
  app.on(
    'publish',
    createRoomDispatcher((target, eventName, payload) => rt.sendToRoom(target, eventName, payload))
  )

  app.use('subscriptions', new SubscriptionService(rt), { methods: ['find', 'create', 'remove'], events: [] })
  app.use('connections', new ConnectionsService(rt), { methods: ['find'], events: [] })

  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await rt.connectRedis()
        await next()
        rt.heartbeat.start()
        rt.streams.startPruning()
        rt.positioning?.start()
      }
    ],
    teardown: [
      async (_context: unknown, next: NextFunction) => {
        // Stock Feathers closes the HTTP server while sockets are still open and waits for them
        // forever; dropping them first lets teardown resolve with clients connected.
        await rt.close()
        await next()
      }
    ]
  })
}
