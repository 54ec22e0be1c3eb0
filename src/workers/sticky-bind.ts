// @socket.io/sticky learns which worker holds a long-polling sid from a message the worker sends
// after its handshake answer went straight to the client. On a busy machine the client's next
// request can reach the primary before that message and be handed to the other worker ("Session ID
// unknown"): the client then connects only after retries (seen in CI, over 20 s). Here the worker
// tells the primary the sid before it answers, and waits until the primary has it.
import cluster from 'cluster'
import type { Server } from 'socket.io'

const BIND = 'vibecode:sticky-bind'
const BOUND = 'vibecode:sticky-bound'
const ignore = () => undefined

type Message = { type?: string; id?: string } | null | undefined

/**
 * In the primary, after setupMaster: cluster runs 'message' listeners in order, so when this one
 * sees a bind, sticky's own listener has already recorded the sid that the worker sent before it.
 */
export function confirmStickyBinds() {
  cluster.on('message', (worker, message: Message) => {
    if (message?.type === BIND) worker.send({ type: BOUND, id: message.id })
  })
}

type Engine = Server['engine'] & { generateId: (req: unknown) => string | Promise<string> }

/** In a worker: `install` is sticky's setupWorker; its bind-after-answer is replaced by this one. */
export function bindBeforeAnswer(io: Server, install: (io: Server) => void, timeoutMs = 2000) {
  const engine = io.engine as Engine
  const before = new Set(engine.listeners('connection'))
  install(io)
  // sticky's 'connection' listener would bind (and count) each socket a second time.
  for (const listener of engine.listeners('connection')) {
    if (!before.has(listener)) engine.off('connection', listener as (...args: unknown[]) => void)
  }
  engine.on('connection', (socket: { id: string; once: (event: 'close', fn: () => void) => void }) => {
    socket.once('close', () => process.send?.({ type: 'sticky:disconnection', data: socket.id }, ignore))
  })
  const waiting = new Map<string, () => void>()
  process.on('message', (message: Message) => {
    if (message?.type !== BOUND || !message.id) return
    waiting.get(message.id)?.()
  })
  const generateId = engine.generateId.bind(engine)
  engine.generateId = async (req: unknown) => {
    const id = await generateId(req)
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        waiting.delete(id)
        resolve()
      }
      // A primary that does not answer (stopping) does not hold the handshake for long.
      const timer = setTimeout(done, timeoutMs)
      waiting.set(id, done)
      process.send?.({ type: 'sticky:connection', data: id }, ignore)
      process.send?.({ type: BIND, id }, ignore)
    })
    return id
  }
}
