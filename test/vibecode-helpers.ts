// What the vibecode suites (vibecode.test.ts, vibecode-jobs.test.ts) share: post a prompt into a
// fresh project with a subscribed socket, and wait until a message is answered.
import assert from 'assert'
import { connected, createProject, createSession, recordEvents, subscribe, until } from './helpers'
import type { TestServer } from './helpers'

/** The message once it is completed or failed (within 10 s). */
export async function answered(server: TestServer, messageId: number) {
  await until(
    async () => ['completed', 'failed'].includes((await server.http.get(`/messages/${messageId}`)).data.status),
    `message ${messageId} answered`,
    10_000
  )
  return (await server.http.get(`/messages/${messageId}`)).data
}

/** Posts `prompt` into a new project's new session, with a socket subscribed to the project recording its events. */
export async function postPrompt(server: TestServer, prompt = 'Add a greeting helper') {
  const project = await createProject(server)
  const session = await createSession(server, project.id)
  const socket = await connected(server.socket())
  await subscribe(socket, project.id)
  const events = recordEvents(socket)
  const response = await server.http.post(`/sessions/${session.session_id}/messages`, { prompt })
  assert.strictEqual(response.status, 201)
  return { project, session, socket, events, message: response.data }
}
