// Type tests of the public surfaces (checked by `npm run typecheck`, never run): a wrong payload
// for a catalogued event, or a wrong handler type on the client, must not compile.
import type { Realtime } from '../../src/realtime'
import type { ClientApplication } from '../../src/client'

declare const realtime: Realtime
declare const client: ClientApplication

export function broadcastTypes() {
  realtime.publish(1, 'token_usage', {
    session_id: 1,
    message_id: 2,
    input_tokens: 1,
    output_tokens: 2,
    total_tokens: 3,
    final: true
  })
  // @ts-expect-error unknown event name
  realtime.publish(1, 'token_used', {})
  // @ts-expect-error missing fields of a test_completed payload
  realtime.publish(1, 'test_completed', { run_id: 1 })
  // @ts-expect-error an error event needs its error
  realtime.publish(1, 'vibecode_error', { session_id: 1, message_id: 1, provider: 'p' })
}

export async function clientTypes() {
  client.rooms.on('messages created', (message) => message.prompt.toUpperCase())
  client.rooms.on('vibecode_response', (event) => event.token_usage.total_tokens.toFixed())
  client.rooms.on('messages patched', (message) => message.patch?.length)
  // @ts-expect-error a message has no `diff` (its patch is `patch`)
  client.rooms.on('messages created', (message) => message.diff)
  client.rooms.onHeartbeat((beat) => beat.connections.toFixed())
  const ack = await client.rooms.subscribe(1)
  const room: string = ack.room
  const project = await client.service('projects').create({ name: 'x' })
  const id: number = project.id
  // @ts-expect-error a project is created from its name only
  await client.service('projects').create({ title: 'x' })
  const message = await client.sessionMessages(3).create({ prompt: 'p' })
  // @ts-expect-error a prompt is a string
  await client.sessionMessages(3).create({ prompt: 3 })
  return [room, id, message.session_id]
}
