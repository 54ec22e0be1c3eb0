// Every socket call with an ack is answered, at once. Feathers' socket transport registers one
// handler per method some service offers (transport-commons socket/index.ts): an event nobody
// handles (`update`, `setup`, `hooks`, `__proto__`, any other name) is dropped by socket.io, and a
// caller waiting on its ack waits for its own timeout. A call without the arguments its method
// needs reaches the service anyway (`emit('get', 'projects', ack)` asks the database for id
// `undefined`), and `emit('find', ack)` hands the ack to runMethod as the path, so it is never
// called. This socket.io middleware (socket.use, after the abuse limits' one) answers those
// before any handler runs: 405 for an event or method that is not offered, 404 for an unknown
// service, 400 for missing arguments. Everything else passes to its handler untouched.
import { BadRequest, MethodNotAllowed, NotFound } from '@feathersjs/errors'
import type { FeathersError } from '@feathersjs/errors'
import { getServiceOptions } from '@feathersjs/feathers'
import type { Socket } from 'socket.io'
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

const isMethod = (event: unknown) => typeof event === 'string' && Object.prototype.hasOwnProperty.call(SHAPES, event)
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
  if (socket.listeners(event).length === 0) {
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
 */
export const guardSocketCalls = (app: Application) => (socket: Socket) => {
  socket.use((packet, next) => {
    const [event, ...args] = packet as unknown[]
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as (...answer: unknown[]) => void) : undefined
    const error = refusal(app, socket, event, args)
    if (!error) return next()
    if (!ack) return
    const feathersCall = typeof args[0] === 'string' || isMethod(event)
    ack(feathersCall ? error.toJSON() : { ok: false, error: error.toJSON() })
  })
}
