// Every socket call with an ack is answered, at once. Feathers' socket transport registers one
// handler per method some service offers (transport-commons socket/index.ts): an event nobody
// handles (`update`, `setup`, `hooks`, `__proto__`, any other name) is dropped by socket.io, and a
// caller waiting on its ack waits for its own timeout. A call without the arguments its method
// needs reaches the service anyway (`emit('get', 'projects', ack)` asks the database for id
// `undefined`), and `emit('find', ack)` hands the ack to runMethod as the path, so it is never
// called. This socket.io middleware (socket.use, after the abuse limits' one) answers those
// before any handler runs: 405 for an event or method that is not offered, 404 for an unknown
// service, 400 for missing arguments. Other events pass to their handlers untouched.
//
// A method call that passes is run here, with transport-commons' own runMethod, instead of by
// those handlers: they are one closure per method, their contexts and an object, built for every
// connection by walking every service (~0.9 KB of each connection's memory, issue 10). Once the
// app is set up, `socketCalls` takes Feathers' per-connection listener off (`dropMethodHandlers`);
// where it could not, its handlers are still built but never reached (this middleware does not
// pass method calls on), so a call runs once either way.
import { BadRequest, MethodNotAllowed, NotFound } from '@feathersjs/errors'
import type { FeathersError } from '@feathersjs/errors'
import { getServiceOptions } from '@feathersjs/feathers'
import type { RealTimeConnection } from '@feathersjs/feathers'
import { runMethod } from '@feathersjs/transport-commons/lib/socket/utils'
import type { Server, Socket } from 'socket.io'
import type { Application } from './declarations'

// Feathers' argument order after the path: where each standard method takes its id and its data.
const SHAPES: Record<string, { id?: number; data?: number }> = {
  find: {},
  get: { id: 0 },
  create: { data: 0 },
  update: { id: 0, data: 1 },
  patch: { id: 0, data: 1 },
  remove: { id: 0 }
}
// null is a valid id only where it means "many" (the services then answer 405 themselves).
const NULL_ID_ALLOWED = new Set(['patch', 'remove'])

const isMethod = (event: unknown): event is string =>
  typeof event === 'string' && Object.prototype.hasOwnProperty.call(SHAPES, event)

/** Whether some service offers the method (Feathers' handlers existed for exactly those). */
function offered(app: Application, method: string): boolean {
  return Object.values(app.services).some((service) => getServiceOptions(service)?.methods?.includes(method))
}
const shown = (value: unknown) => String(value).slice(0, 100)

function missingArguments(method: string, path: string, args: unknown[]): FeathersError | undefined {
  const shape = SHAPES[method]
  const parts = [shape.id !== undefined && 'id', shape.data !== undefined && 'data', 'params', 'ack'].filter(Boolean)
  const example = `emit('${method}', '${shown(path)}', ${parts.join(', ')})`
  if (shape.id !== undefined) {
    const id = args[shape.id]
    if (id === undefined || (id === null && !NULL_ID_ALLOWED.has(method))) {
      return new BadRequest(`'${method}' needs an id: ${example}`)
    }
    // Ids travel as numbers or strings; an object or array would be turned into text on the way.
    if (id !== null && typeof id !== 'number' && typeof id !== 'string') {
      return new BadRequest(
        `'${method}' needs an id that is a number or a string, not ${Array.isArray(id) ? 'an array' : `a ${typeof id}`}`
      )
    }
  }
  if (shape.data !== undefined && args[shape.data] === undefined) {
    return new BadRequest(`'${method}' needs data: ${example}`)
  }
  // The last argument is the query; Feathers would spread a string into one field per character.
  const query = args[(shape.data ?? shape.id ?? -1) + 1]
  if (query !== undefined && query !== null && (typeof query !== 'object' || Array.isArray(query))) {
    return new BadRequest(`'${method}' takes its query as an object: ${example}`)
  }
  return undefined
}

/** Why this packet is refused before its handler, if it is. `args` is without the ack. */
export function refusal(app: Application, socket: Socket, event: unknown, args: unknown[]): FeathersError | undefined {
  if (typeof event !== 'string') return new BadRequest('An event name must be a string')
  if (isMethod(event) ? !offered(app, event) : socket.listeners(event).length === 0) {
    const method = typeof args[0] === 'string' ? ` on service '${shown(args[0])}'` : ''
    return new MethodNotAllowed(`'${shown(event)}' is not an event or method offered${method}`)
  }
  if (!isMethod(event)) return undefined // custom events answer themselves
  const [path, ...rest] = args
  if (typeof path !== 'string') {
    return new BadRequest(`'${event}' needs a service path first: emit('${event}', 'projects', …, ack)`)
  }
  const lookup = app.lookup(path)
  if (!lookup) return new NotFound(`Service '${shown(path)}' not found`)
  if (!(getServiceOptions(lookup.service)?.methods ?? []).includes(event)) {
    return new MethodNotAllowed(`Method '${event}' not allowed on service '${shown(path)}'`)
  }
  return missingArguments(event, path, rest)
}

/**
 * Installs the middleware on a connected socket. A refused call with an ack gets the error the
 * way its caller expects it: a Feathers call (`emit(method, path, …)`) as the ack's first
 * argument, anything else as `{ok: false, error}` like `subscribe`. Without an ack it is dropped.
 * A method call that passes runs on the next tick, where socket.io would have emitted it to
 * Feathers' handler, and only while the socket is connected, as socket.io checks.
 */
export const guardSocketCalls = (app: Application) => (socket: Socket) => {
  socket.use((packet, next) => {
    const [event, ...args] = packet as unknown[]
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (...answer: unknown[]) => void) : undefined
    const error = refusal(app, socket, event, args)
    if (!error) {
      if (!isMethod(event)) return next()
      if (ack) args.push(ack)
      process.nextTick(runCall, app, socket, event, args)
      return
    }
    if (!ack) return
    const feathersCall = typeof args[0] === 'string' || isMethod(event)
    ack(feathersCall ? error.toJSON() : { ok: false, error: error.toJSON() })
  })
}

function runCall(app: Application, socket: Socket, method: string, args: unknown[]) {
  if (!socket.connected) return
  const [path, ...rest] = args
  const connection = (socket as Socket & { feathers: RealTimeConnection }).feathers
  // runMethod answers the ack itself, errors included, and never rejects.
  void runMethod(app, connection, path as string, method, rest)
}

/**
 * Takes off transport-commons' `connection` listener that gives each socket its own method
 * handlers (recognised by its source: it is not exported). Whether it found exactly one.
 */
export function dropMethodHandlers(io: Server): boolean {
  const builders = io.sockets.listeners('connection').filter((listener) => String(listener).includes('methodHandlers'))
  for (const listener of builders) io.sockets.off('connection', listener as (...args: unknown[]) => void)
  return builders.length === 1
}

/** The socket.io servers whose method handlers were dealt with. */
const dropped = new WeakSet<Server>()

/**
 * The app side: once set up (Feathers' socket transport adds its listeners when socket.io is
 * bound, before the setup hooks finish), drop the per-connection method handlers; a warning if
 * they could not be found (a Feathers change: calls still run once, through the middleware).
 * Returns what installs the middleware on each connected socket, after `before` (the limits' own).
 */
export function socketCalls(app: Application, before?: (socket: Socket) => void): (socket: Socket) => void {
  app.hooks({
    setup: [
      async (_context: unknown, next: () => Promise<void>) => {
        await next()
        // Once per socket.io server: a second setup would find nothing left to drop.
        if (!app.io || dropped.has(app.io)) return
        dropped.add(app.io)
        if (!dropMethodHandlers(app.io)) {
          app.logger.warn(
            { component: 'socket-calls' },
            "Feathers' per-connection method handlers not found: left in place"
          )
        }
      }
    ]
  })
  const guard = guardSocketCalls(app)
  return (socket) => {
    before?.(socket)
    guard(socket)
  }
}
