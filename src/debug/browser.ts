// The debug page's script, bundled for the browser by esbuild (see ./index.ts). It uses the real
// typed client: connect, subscribe to a project, show heartbeats and room events with their seq.
import { io } from 'socket.io-client'
import { createClient } from '../client'

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T

const socket = io(window.location.origin, { transports: ['websocket', 'polling'] })
const client = createClient(socket)
;(window as unknown as { vibecode: typeof client }).vibecode = client

const state = $('state')
client.rooms.onState((value) => (state.textContent = value))
socket.on('connect', () => (state.textContent = 'connected'))

client.rooms.onHeartbeat((beat) => {
  $('heartbeat-count').textContent = String(beat.connections)
  $('heartbeat-time').textContent = beat.timestamp
  $('heartbeat-instance').textContent = `${beat.instance} (${beat.instances} instance(s))`
})

function show(event: string, payload: unknown) {
  const item = document.createElement('li')
  item.dataset.event = event
  const { seq: number } = (payload ?? {}) as { seq?: unknown }
  if (typeof number === 'number') item.dataset.seq = String(number)
  const seq = typeof number === 'number' ? `#${number}` : '(live-only)'
  item.textContent = `${seq} ${event} ${JSON.stringify(payload)}`
  $('events').prepend(item)
}

async function subscribe(projectId: number) {
  const status = $('subscription')
  try {
    const ack = await client.rooms.subscribe(projectId, {
      onEvent: show,
      onReset: () => (status.textContent = `project ${projectId}: history lost, refetch state`),
      onError: (error) => (status.textContent = `project ${projectId}: ${error.message}`)
    })
    status.textContent = `subscribed to project ${ack.project_id} (room ${ack.room}, seq ${ack.seq})`
  } catch (error) {
    status.textContent = `subscribe failed: ${error instanceof Error ? error.message : String(error)}`
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
