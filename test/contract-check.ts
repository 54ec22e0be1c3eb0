// The event contract, checked in every test: each payload a socket.io client of the tests receives
// is validated against the event catalog (src/realtime/events/catalog.ts), and so is each ack of
// `subscribe`/`unsubscribe` and of the Feathers service calls. A payload that does not match its
// schema, or an event that is not in the catalog, is a violation; the root hook below fails the
// running test with it. So a producer that changes a payload without its schema fails `npm test`.
//
// Loaded by .mocharc.json (`require`) for every mocha run: npm test, test:auth-required,
// test:cluster, test:browser. It watches every client socket the process creates - through
// test/helpers.ts, direct `io(...)` calls, the typed client - by wrapping socket.io-client's
// Manager#socket, the one place each client Socket is made. Sockets of other namespaces (the
// admin UI's `/admin`) speak another protocol and are not checked.
import { Ajv, addFormats } from '@feathersjs/schema'
import type { TSchema } from '@feathersjs/typebox'
import { Manager } from 'socket.io-client'
import type { Socket } from 'socket.io-client'
import { EVENT_CATALOG, SERVICE_RECORD_SCHEMAS, ServiceErrorSchema, SubscriptionOkSchema } from '../src/realtime/events'

const ajv = addFormats(new Ajv({ allErrors: true, strict: false }), ['date-time', 'uri', 'uuid'])
type Validate = ReturnType<Ajv['compile']>
const compiled = new WeakMap<TSchema, Validate>()

/** What is wrong with `value` under `schema`: one line per error, none when it matches. */
export function schemaErrors(schema: TSchema, value: unknown): string[] {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    compiled.set(schema, validate)
  }
  if (validate(value)) return []
  return (validate.errors ?? []).map((error) => {
    const extra = 'additionalProperty' in error.params ? ` '${String(error.params.additionalProperty)}'` : ''
    return `${error.instancePath || '(payload)'} ${error.message}${extra}`
  })
}

const excerpt = (value: unknown) => {
  let text: string
  try {
    text = JSON.stringify(value) ?? typeof value
  } catch {
    text = typeof value
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

/** Runs a check without ever throwing into socket.io-client: a checker bug is recorded, not raised. */
function safely(check: () => string[]): string[] {
  try {
    return check()
  } catch (error) {
    return [`the contract check itself failed: ${String(error)}`]
  }
}

/** Violations of one event a client received: its name must be in the catalog, its payload match. */
export function eventViolations(event: string, args: unknown[]): string[] {
  const entry = Object.prototype.hasOwnProperty.call(EVENT_CATALOG, event) ? EVENT_CATALOG[event] : undefined
  if (!entry) return [`'${event}' is not in the event catalog (src/realtime/events/catalog.ts): ${excerpt(args)}`]
  if (entry.sender !== 'server') return [`'${event}' is a client event, but the server sent it: ${excerpt(args)}`]
  if (args.length !== 1) return [`'${event}' carries ${args.length} arguments, the catalog one payload`]
  const errors = schemaErrors(entry.schema, args[0])
  return errors.length
    ? [`'${event}' payload does not match its schema: ${errors.join('; ')}: ${excerpt(args[0])}`]
    : []
}

const SERVICE_METHODS = new Set(['find', 'get', 'create', 'update', 'patch', 'remove'])

/** The schema of a service call's result, where there is one (one record of a room service, a subscription). */
function resultSchema(method: string, path: unknown, result: unknown): TSchema | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return undefined
  if (path === 'subscriptions' && (method === 'create' || method === 'remove')) return SubscriptionOkSchema
  if (typeof path !== 'string' || method === 'find') return undefined
  return Object.prototype.hasOwnProperty.call(SERVICE_RECORD_SCHEMAS, path) ? SERVICE_RECORD_SCHEMAS[path] : undefined
}

/**
 * Violations of an ack the server sent: `request` is what the client emitted (event name first).
 * subscribe/unsubscribe answer with one SubscriptionAck; service calls with (error) or (null, result).
 */
export function ackViolations(request: unknown[], reply: unknown[]): string[] {
  const [event, path] = request
  if (typeof event !== 'string') return []
  const found = (what: string, errors: string[]) =>
    errors.length ? [`${what} does not match its schema: ${errors.join('; ')}: ${excerpt(reply)}`] : []
  const entry = Object.prototype.hasOwnProperty.call(EVENT_CATALOG, event) ? EVENT_CATALOG[event] : undefined
  if (entry?.sender === 'client' && entry.ack) return found(`the '${event}' ack`, schemaErrors(entry.ack, reply[0]))
  if (!SERVICE_METHODS.has(event)) return []
  const call = `${event} ${typeof path === 'string' ? path : excerpt(path)}`
  if (reply[0] !== null && reply[0] !== undefined)
    return found(`the error of ${call}`, schemaErrors(ServiceErrorSchema, reply[0]))
  const schema = resultSchema(event, path, reply[1])
  return schema ? found(`the result of ${call}`, schemaErrors(schema, reply[1])) : []
}

// ---- Recording on live sockets --------------------------------------------------------------------

const violations: string[] = []
/** Events the running test itself made up (a test-only service's event), allowed until it ends. */
const madeUp = new Set<string>()

/** For a test that publishes an event of its own making: its name is not a violation in this test. */
export function allowMadeUpEvents(...events: string[]) {
  for (const event of events) madeUp.add(event)
}

export function recordViolations(found: string[]) {
  violations.push(...found)
}

/** The violations recorded since the last call (and forgets them). */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length)
}

const watched = new WeakSet<Socket>()

/**
 * Checks everything one client socket receives. Acks are matched to their request by the id the
 * socket gives the packet (socket.io-client's `ids` counter and `onack`, internals of v4 that this
 * test tool leans on: the ack's raw arguments, before any timeout wrapper changes them).
 */
export function watchSocket(socket: Socket, record: (found: string[]) => void = recordViolations) {
  if (watched.has(socket)) return socket
  watched.add(socket)
  socket.onAny(
    (event: string, ...args: unknown[]) => madeUp.has(event) || record(safely(() => eventViolations(event, args)))
  )
  const internals = socket as unknown as {
    ids: number
    onack: (packet: { id: number; data: unknown[] }) => void
    emit: (...args: unknown[]) => unknown
  }
  const requests = new Map<number, unknown[]>()
  const emit = internals.emit
  internals.emit = function (this: unknown, ...args: unknown[]) {
    if (typeof args[args.length - 1] === 'function') requests.set(internals.ids, args.slice(0, -1))
    return emit.apply(this, args)
  }
  const onack = internals.onack
  internals.onack = function (this: unknown, packet) {
    const request = requests.get(packet.id)
    requests.delete(packet.id)
    if (request && Array.isArray(packet.data)) record(safely(() => ackViolations(request, packet.data)))
    return onack.call(this, packet)
  }
  return socket
}

/** Watches every client socket of the main namespace this process creates from now on. */
export function watchAllSockets() {
  const proto = Manager.prototype as unknown as { socket: (...args: unknown[]) => Socket; contractWatched?: true }
  if (proto.contractWatched) return
  proto.contractWatched = true
  const socket = proto.socket
  proto.socket = function (this: unknown, ...args: unknown[]) {
    const created = socket.apply(this, args)
    return args[0] === '/' ? watchSocket(created) : created
  }
}

watchAllSockets()

// Root hooks (mocha loads this file with `require`): a test during which a client received a payload
// that breaks the contract fails with the violations, and the run goes on with the next test.
export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    madeUp.clear()
    const found = takeViolations()
    if (found.length === 0) return
    const hook = this.test as unknown as { error: (error: Error) => void }
    hook.error(new Error(`Socket event contract violated (src/realtime/events):\n  ${found.join('\n  ')}`))
  },
  afterAll() {
    const found = takeViolations()
    if (found.length) throw new Error(`Socket event contract violated after the last test:\n  ${found.join('\n  ')}`)
  }
}
