// The client side of the connections benchmark (connections.ts), in processes of its own: this
// process's share of the N sockets, opened as plain WebSockets speaking socket.io's protocol
// (engine.io v4 packets: open `0`, ping `2` / pong `3`, message `4` + socket.io's connect `0`,
// event `2`), the way python-socketio or any socket.io client would, but light enough that the
// server, not the clients, is what the accept rate measures. At most `inFlight` handshakes are
// under way at once. It tells the parent when all its sockets are connected, counts the heartbeats
// they hear (and the largest `connections` in them), and closes everything when told to leave.
import WebSocket from 'ws'

interface Start {
  port: number
  n: number
  inFlight: number
}

const sockets: WebSocket[] = []
let connected = 0
let failed = 0
let heartbeats = 0
let heartbeatMax = 0
const HEARTBEAT = '42["heartbeat",'

function open(port: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false
    })
    sockets.push(ws)
    let done = false
    const settle = (ok: boolean) => {
      if (done) return
      done = true
      if (ok) connected++
      else failed++
      resolve()
    }
    ws.on('message', (data) => {
      const text = data.toString()
      if (text === '2') ws.send('3')
      else if (text.startsWith('0')) ws.send('40')
      else if (text.startsWith('40')) settle(true)
      else if (text.startsWith('44')) settle(false)
      else if (text.startsWith(HEARTBEAT)) {
        heartbeats++
        const count = JSON.parse(text.slice(2))[1]?.connections
        if (typeof count === 'number' && count > heartbeatMax) heartbeatMax = count
      }
    })
    ws.on('error', () => settle(false))
    ws.on('close', () => settle(false))
  })
}

async function connectAll({ port, n, inFlight }: Start) {
  let next = 0
  const lane = async () => {
    while (next < n) {
      next++
      await open(port)
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, n) }, lane))
  process.send!({ connected, failed })
}

process.on('message', (message: { start?: Start; stats?: boolean; leave?: boolean }) => {
  if (message.start) void connectAll(message.start)
  if (message.stats)
    process.send!({
      stats: { heartbeats, heartbeatMax, open: sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length }
    })
  if (message.leave) {
    // A polite leave: socket.io's disconnect packet, then the WebSocket close handshake.
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue
      ws.send('41')
      ws.close()
    }
    const closed = () => sockets.every((ws) => ws.readyState === WebSocket.CLOSED)
    const wait = setInterval(() => {
      if (!closed()) return
      clearInterval(wait)
      process.send!({ left: sockets.length }, () => process.exit(0))
    }, 50)
  }
})
process.send!({ ready: true })
