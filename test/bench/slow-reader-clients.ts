// The client side of the slow-reader benchmark (slow-reader.ts), in its own process so its memory
// and parsing do not count as the server's: a normal socket.io reader that measures latency, and a
// raw engine.io/socket.io websocket that subscribes, then never reads again (its TCP socket paused)
// while it keeps answering the server's heartbeat blindly. On request it reads again, reports what
// it sees, and resumes with `since` over a fresh socket.io connection.
import WebSocket from 'ws'
import { io } from 'socket.io-client'

interface Start {
  url: string
  projectId: number
}

const send = (message: object) => process.send!(message)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]

/** Every event a normal reader gets: its seq, and its latency (the server put its send time in the name). */
const normal = { seqs: [] as number[], latencies: [] as number[], disconnect: undefined as string | undefined }
const slow = { frames: [] as string[], closed: undefined as { code: number; reason: string } | undefined }
let ws: WebSocket
let pongs: NodeJS.Timeout

async function start({ url, projectId }: Start) {
  const reader = io(url, { transports: ['websocket'], reconnection: false })
  reader.on('test_result', (event: { seq: number; name: string }) => {
    normal.seqs.push(event.seq)
    normal.latencies.push(Date.now() - Number(event.name.split(' ')[1]))
  })
  reader.on('disconnect', (reason) => (normal.disconnect = reason))
  await new Promise((resolve) => reader.once('connect', () => resolve(undefined)))
  await reader.emitWithAck('subscribe', { project_id: projectId })

  ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`)
  ws.on('message', (data) => {
    const text = data.toString()
    if (text === '2') ws.send('3')
    slow.frames.push(text)
  })
  ws.on('close', (code, reason) => (slow.closed = { code, reason: reason.toString() }))
  ws.on('error', () => undefined)
  await until(() => slow.frames.some((f) => f.startsWith('0{')), 'engine.io open')
  ws.send('40')
  await until(() => slow.frames.some((f) => f.startsWith('40{')), 'namespace connect')
  ws.send(`420${JSON.stringify(['subscribe', { project_id: projectId }])}`)
  await until(() => slow.frames.some((f) => f.startsWith('430')), 'subscribe ack')
  // From here on it never reads; it answers pings all the same (the server pings every 25 s).
  ;(ws as any)._socket.pause()
  pongs = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send('3'), 1000)
  send({ ready: true })
}

function normalReport() {
  const contiguous = normal.seqs.every((seq, i) => i === 0 || seq === normal.seqs[i - 1] + 1)
  return {
    received: normal.seqs.length,
    in_order_no_gap: contiguous,
    disconnected: normal.disconnect ?? null,
    latency_ms: {
      p50: quantile(normal.latencies, 0.5),
      p99: quantile(normal.latencies, 0.99),
      max: Math.max(...normal.latencies)
    }
  }
}

/** Reads again: what the cut reader sees, then a resume with since over socket.io. */
async function resume({ url, projectId }: Start) {
  clearInterval(pongs)
  ;(ws as any)._socket.resume()
  await until(() => slow.closed !== undefined, 'the slow reader’s close', 30_000)
  const seqs = slow.frames
    .filter((f) => f.startsWith('42['))
    .map((f) => JSON.parse(f.slice(2))[1]?.seq)
    .filter((seq): seq is number => typeof seq === 'number')
  const since = seqs.at(-1) ?? 0
  const back = io(url, { transports: ['websocket'], reconnection: false })
  const replayed: number[] = []
  back.on('test_result', (event: { seq: number }) => replayed.push(event.seq))
  await new Promise((resolve) => back.once('connect', () => resolve(undefined)))
  const startedAt = Date.now()
  const ack = await back.timeout(120_000).emitWithAck('subscribe', { project_id: projectId, since })
  const complete = replayed.length === ack.seq - since && replayed.every((seq, i) => seq === since + 1 + i)
  back.close()
  return {
    close: slow.closed,
    read_before_close: seqs.length,
    resume: {
      since,
      recovered: ack.recovered,
      replayed: ack.replayed,
      received: replayed.length,
      every_missed_event_once_in_order: complete,
      ms: Date.now() - startedAt
    }
  }
}

process.on('message', (message: any) => {
  const run = async () => {
    if (message.start) await start(message.start)
    if (message.normal) send({ normal: normalReport() })
    if (message.resume) send({ slow: await resume(message.resume) })
  }
  run().catch((error) => {
    send({ error: String(error?.stack ?? error) })
    process.exit(1)
  })
})
