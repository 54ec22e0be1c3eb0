// The client side of the fan-out benchmark, in its own process so its JSON parsing does not count
// as server CPU: N socket.io clients subscribed to one project room. For every benchmark event it
// tells the parent when all N sockets have it.
import { io } from 'socket.io-client'
import type { Socket } from 'socket.io-client'

interface Start {
  url: string
  n: number
  projectId: number
}

const sockets: Socket[] = []
const counts = new Map<string, number>()
let expected = 0

function onEvent(_event: string, payload: { key?: string }) {
  if (!payload || typeof payload.key !== 'string') return
  const count = (counts.get(payload.key) ?? 0) + 1
  if (count === expected) {
    counts.delete(payload.key)
    process.send!({ received: payload.key })
  } else counts.set(payload.key, count)
}

async function connectAll({ url, n, projectId }: Start) {
  expected = n
  // Connect in batches so the server is not handed 1,000 handshakes at once.
  for (let start = 0; start < n; start += 100) {
    const batch = Array.from({ length: Math.min(100, n - start) }, () => {
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false })
      sockets.push(socket)
      socket.onAny(onEvent)
      return new Promise<void>((resolve, reject) => {
        socket.once('connect', async () => {
          const ack = await socket.emitWithAck('subscribe', { project_id: projectId })
          if (ack.ok) resolve()
          else reject(new Error(JSON.stringify(ack)))
        })
        socket.once('connect_error', reject)
      })
    })
    await Promise.all(batch)
  }
  process.send!({ ready: sockets.length })
}

process.on('message', (message: { start?: Start; stop?: boolean }) => {
  if (message.start) connectAll(message.start).catch((error) => process.send!({ error: String(error) }))
  if (message.stop) {
    for (const socket of sockets) socket.disconnect()
    setTimeout(() => process.exit(0), 100)
  }
})
