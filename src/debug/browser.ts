// The debug page's script, bundled for the browser by esbuild on first request (see ./index.ts).
// It uses the real typed client: connects (with the token of the token form, if any, as getToken),
// subscribes to a project, and feeds the panels - messages (messages.ts), test runs
// (test-runs.ts), the heartbeat chart (heartbeat-chart.ts) and the raw event list (raw-events.ts).
import { io } from 'socket.io-client'
import { createClient } from '../client'
import type { ConnectionState, RoomEvents } from '../client'
import { $, clock, errorMessage } from './dom'
import { HeartbeatChart } from './heartbeat-chart'
import { MessageRows } from './messages'
import { PresencePanel } from './presence'
import { RawEvents } from './raw-events'
import { TestRunPanel } from './test-runs'
import { storedToken, tokenForm } from './token'

tokenForm()
const token = storedToken()
// With a token the first handshake waits for it: createClient connects once getToken is set.
const socket = io(window.location.origin, { transports: ['websocket', 'polling'], autoConnect: false })
// Heartbeats are logged at debug level by the client: the chart shows them here.
const logger = { debug: () => undefined, warn: (...args: unknown[]) => console.warn(...args) }
const client = createClient(socket, token ? { logger, getToken: () => storedToken() ?? '' } : { logger })
if (!token) socket.connect()
;(window as unknown as { vibecode: typeof client }).vibecode = client

const messages = new MessageRows($('messages'))
const testRuns = new TestRunPanel($('test-runs'))
const chart = new HeartbeatChart($('heartbeat-chart') as unknown as SVGSVGElement)
const raw = new RawEvents($('events'), $('event-count'))
const presence = new PresencePanel($('presence'), $('presence-count'))
/** Stops the presence listener of the project shown before. */
let stopPresence = () => {}

// ---- connection ------------------------------------------------------------------------------
const history: string[] = []
function showState(state: ConnectionState, detail = '') {
  const badge = $('state')
  if (badge.textContent === state && !detail) return
  badge.textContent = state
  badge.className = `badge state-${state}`
  if (state !== 'connected') chart.gap()
  history.unshift(`${clock(new Date())} ${state}${detail ? `: ${detail}` : ''}`)
  $('state-history').textContent = history.slice(0, 4).join(' · ')
}
client.rooms.onState((state) => showState(state))
socket.on('connect_error', (error) => showState('disconnected', error.message))

let beats = 0
client.rooms.onHeartbeat((beat) => {
  chart.add(beat.connections)
  $('heartbeat-count').textContent = String(beat.connections)
  $('heartbeat-beats').textContent = String(++beats)
  $('heartbeat-time').textContent = clock(beat.timestamp)
  $('heartbeat-instance').textContent =
    `${beat.instance} (${beat.instances} instance${beat.instances === 1 ? '' : 's'})`
})

// ---- a project's events ----------------------------------------------------------------------
type Handlers = { [K in keyof RoomEvents]?: (payload: RoomEvents[K]) => void }
const handlers: Handlers = {
  'messages created': (message) => messages.upsert(message),
  'messages patched': (message) => messages.upsert(message),
  token_usage: (event) => messages.tokenUsage(event),
  vibecode_response: (event) => messages.response(event),
  vibecode_error: (event) => messages.failure(event),
  'test-runs created': (run) => testRuns.upsert(run),
  'test-runs patched': (run) => testRuns.upsert(run),
  test_started: (event) => testRuns.started(event),
  test_output: (event) => testRuns.output(event),
  test_result: (event) => testRuns.result(event),
  test_completed: (event) => testRuns.completed(event)
}

function onEvent(event: string, payload: unknown) {
  raw.add(event, payload)
  const handler = handlers[event as keyof RoomEvents] as ((payload: unknown) => void) | undefined
  try {
    handler?.(payload)
  } catch (error) {
    console.error(`debug page: ${event} not shown`, error)
  }
}

/** What happened before the page came: the latest messages and runs, over the socket. */
async function loadHistory(projectId: number) {
  const [recentMessages, recentRuns] = await Promise.all([
    client.service('messages').find({ query: { project_id: projectId, $sort: { id: -1 }, $limit: 20 } }),
    client.service('test-runs').find({ query: { project_id: projectId, $sort: { id: -1 }, $limit: 5 } })
  ])
  for (const message of [...recentMessages.data].reverse()) messages.upsert(message)
  for (const run of [...recentRuns.data].reverse()) testRuns.upsert(run)
}

async function subscribe(projectId: number) {
  const status = $('subscription')
  messages.clear()
  testRuns.clear()
  stopPresence()
  stopPresence = client.rooms.onPresence(projectId, (list) => presence.show(list))
  try {
    const ack = await client.rooms.subscribe(projectId, {
      onEvent,
      onReset: () => {
        status.textContent = `project ${projectId}: history lost, reloading`
        void loadHistory(projectId)
      },
      onError: (error) => (status.textContent = `project ${projectId}: ${error.message}`)
    })
    status.textContent = `subscribed to project ${ack.project_id} (room ${ack.room}, seq ${ack.seq})`
    await loadHistory(projectId).catch((error) => console.warn('debug page: history not loaded', error))
  } catch (error) {
    status.textContent = `subscribe failed: ${errorMessage(error)}`
  }
}

$<HTMLFormElement>('subscribe-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const value = Number($<HTMLInputElement>('project').value)
  if (Number.isInteger(value) && value > 0) void subscribe(value)
})

const initial = Number(new URLSearchParams(window.location.search).get('project'))
if (Number.isInteger(initial) && initial > 0) {
  $<HTMLInputElement>('project').value = String(initial)
  void subscribe(initial)
}
