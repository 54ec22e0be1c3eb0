// Revocation across instances (issue 7, items 3 and 7): with AUTH=required, two instances behind
// the socket.io Redis adapter sharing one PostgreSQL database. A member removed through one
// instance's REST loses the live subscription they hold on the other instance at once; a project
// deleted on one instance empties its room on both.
import assert from 'assert'
import type { Socket } from 'socket.io-client'
import type { Configuration } from '../../src/declarations'
import { projectRoom } from '../../src/realtime'
import { bearer, connected, newUser, recordEvents, sleep, subscribe, until, waitForEvent } from '../helpers'
import type { TestServer } from '../helpers'
import { requireClusterServices, startPair } from './pair'

// The abuse limits have their own tests; here they would only count this suite's requests.
const REQUIRED: Partial<Configuration> = {
  auth: 'required',
  authSecret: 'a-cluster-revocation-secret-0123456789abcdef',
  rateLimits: 'off'
}

type User = Awaited<ReturnType<typeof newUser>>

describe('cluster over Redis: revocation (AUTH=required)', function () {
  let a: TestServer
  let b: TestServer
  let owner: User
  let viewer: User
  let editor: User

  before(requireClusterServices)

  beforeEach(async () => {
    ;({ a, b } = await startPair('revoke', {
      ...REQUIRED,
      heartbeatIntervalMs: 100
    }))
    // Users live in the shared database: made on A, their tokens work on B (same secret).
    ;[owner, viewer, editor] = await Promise.all([
      newUser(a, 'cluster-owner'),
      newUser(a, 'cluster-viewer'),
      newUser(a, 'cluster-editor')
    ])
  })

  afterEach(async () => {
    await a?.stop()
    await b?.stop()
  })

  async function sharedProject() {
    const created = await a.http.post('/projects', { name: 'revoked across instances' }, bearer(owner.token))
    assert.strictEqual(created.status, 201, JSON.stringify(created.data))
    for (const [user, role] of [
      [viewer, 'viewer'],
      [editor, 'editor']
    ] as const) {
      const added = await a.http.post(
        `/projects/${created.data.id}/members`,
        { user_id: user.user.id, role },
        bearer(owner.token)
      )
      assert.strictEqual(added.status, 201, JSON.stringify(added.data))
    }
    return created.data as { id: number }
  }

  const socketOn = (server: TestServer, user: User): Promise<Socket> =>
    connected(server.socket({ auth: { token: user.token } }))

  it('a member removed on A: their socket on B gets subscription_revoked at once and hears nothing more of the project', async () => {
    const project = await sharedProject()
    const viewerOnB = await socketOn(b, viewer)
    const editorOnB = await socketOn(b, editor)
    const editorOnA = await socketOn(a, editor)
    for (const socket of [viewerOnB, editorOnB, editorOnA]) await subscribe(socket, project.id)
    const viewerEvents = recordEvents(viewerOnB)

    const revoked = waitForEvent(viewerOnB, 'subscription_revoked', 2000)
    const removed = await a.http.delete(`/projects/${project.id}/members/${viewer.user.id}`, bearer(owner.token))
    assert.strictEqual(removed.status, 200, JSON.stringify(removed.data))
    assert.deepStrictEqual(await revoked, { project_id: project.id, reason: 'member_removed' })
    assert.strictEqual(viewerOnB.connected, true)
    assert.ok(
      !b.app.io.of('/').adapter.rooms.get(projectRoom(project.id))?.has(viewerOnB.id!),
      "B's room no longer holds the viewer's socket"
    )

    // The owner goes on through A: the editors on both instances hear it, the viewer nothing.
    const witnesses = [waitForEvent(editorOnB, 'messages created'), waitForEvent(editorOnA, 'messages created')]
    const session = await a.http.post(`/projects/${project.id}/sessions`, undefined, bearer(owner.token))
    assert.strictEqual(session.status, 201, JSON.stringify(session.data))
    const message = await a.http.post(
      `/sessions/${session.data.id}/messages`,
      { prompt: 'after the removal' },
      bearer(owner.token)
    )
    assert.strictEqual(message.status, 201, JSON.stringify(message.data))
    for (const event of await Promise.all(witnesses)) assert.strictEqual(event.id, message.data.id)
    await sleep(100)
    const leaked = viewerEvents.filter((e) => e.event !== 'heartbeat' && e.event !== 'subscription_revoked')
    assert.deepStrictEqual(leaked, [], 'no event of the project after the revocation')
    assert.strictEqual(viewerEvents.filter((e) => e.event === 'subscription_revoked').length, 1)

    // Resubscribing on either instance is a 404.
    for (const socket of [viewerOnB, await socketOn(a, viewer)]) {
      const ack = await socket.timeout(5000).emitWithAck('subscribe', { project_id: project.id, since: 0 })
      assert.deepStrictEqual(ack, {
        ok: false,
        error: { name: 'NotFound', code: 404, message: `Project ${project.id} does not exist` }
      })
    }
  })

  it('a project deleted on A: subscribers on B get projects removed, then subscription_revoked {project_removed}', async () => {
    const project = await sharedProject()
    const viewerOnB = await socketOn(b, viewer)
    await subscribe(viewerOnB, project.id)
    const seen: string[] = []
    viewerOnB.onAny((event, payload) => {
      if (event === 'projects removed') seen.push(`${event} ${payload.id}`)
      if (event === 'subscription_revoked') seen.push(`${event} ${payload.project_id} ${payload.reason}`)
    })
    const removed = await a.http.delete(`/projects/${project.id}`, bearer(owner.token))
    assert.strictEqual(removed.status, 200, JSON.stringify(removed.data))
    await until(() => seen.length >= 2, 'the viewer on B heard the removal and the revocation', 3000)
    assert.deepStrictEqual(seen, [
      `projects removed ${project.id}`,
      `subscription_revoked ${project.id} project_removed`
    ])
    await until(() => !b.app.io.of('/').adapter.rooms.has(projectRoom(project.id)), "B's room is empty")
    assert.strictEqual(viewerOnB.connected, true)
  })
})
