// Project membership and roles (issue 7, items 3 and 7): a role × action matrix over REST and
// socket.io (anonymous, non-member, viewer, editor, owner), the members routes, revocation of a
// live subscription (member removed, project deleted), and AUTH=off, where nothing is checked.
// The cluster half of revocation is test/cluster/revoke.test.ts.
import assert from 'assert'
import type { AxiosRequestConfig, AxiosResponse } from 'axios'
import type { Socket } from 'socket.io-client'
import type { Configuration } from '../src/declarations'
import { projectRoom } from '../src/realtime'
import {
  bearer,
  connected,
  createProject,
  createSession,
  newUser,
  recordEvents,
  sleep,
  startTestServer,
  subscribe,
  until,
  waitForEvent,
  serviceCall
} from './helpers'
import type { TestServer } from './helpers'

const SECRET = 'an-access-control-test-secret-0123456789abcdef'
// The abuse limits are tested on their own; here they would only count the matrix's requests.
const REQUIRED: Partial<Configuration> = { auth: 'required', authSecret: SECRET, rateLimits: 'off' }
const MISSING = 999999
const PASSING_TESTS = ['node', '-e', 'process.exit(0)']

type User = Awaited<ReturnType<typeof newUser>>
type CallerName = 'anonymous' | 'non-member' | 'viewer' | 'editor' | 'owner'
type Role = 'viewer' | 'editor' | 'owner'
const CALLERS: CallerName[] = ['anonymous', 'non-member', 'viewer', 'editor', 'owner']
const RANK: Record<CallerName, number> = { anonymous: -1, 'non-member': 0, viewer: 1, editor: 2, owner: 3 }

/** A Feathers call over the socket (helpers.ts). */
const call = serviceCall

const subscribeAck = (socket: Socket, projectId: number, extra: object = {}) =>
  socket.timeout(5000).emitWithAck('subscribe', { project_id: projectId, ...extra })

const show = (response: AxiosResponse) => `${response.status} ${JSON.stringify(response.data)}`

/** A project owned by `owner` with `members` added by the owner through POST /projects/:id/members. */
async function projectWith(server: TestServer, owner: User, members: [User, Role][], name = 'access project') {
  const created = await server.http.post('/projects', { name }, bearer(owner.token))
  assert.strictEqual(created.status, 201, show(created))
  const project = created.data as { id: number; name: string }
  for (const [user, role] of members) {
    const added = await server.http.post(
      `/projects/${project.id}/members`,
      { user_id: user.user.id, role },
      bearer(owner.token)
    )
    assert.strictEqual(added.status, 201, show(added))
  }
  return project
}

/** A socket that authenticated at its handshake. */
const socketOf = (server: TestServer, user: User) => connected(server.socket({ auth: { token: user.token } }))

/** Messages of a session, counted in the database (what a refused write must not change). */
const countMessages = async (server: TestServer, sessionId: number) => {
  const [row] = await server.app.get('dbClient')('messages').where({ session_id: sessionId }).count({ n: '*' })
  return Number(row.n)
}

describe('access: project membership and roles (AUTH=required)', () => {
  let server: TestServer
  let owner: User
  let editor: User
  let viewer: User
  let stranger: User

  before(async () => {
    server = await startTestServer(REQUIRED)
    ;[owner, editor, viewer, stranger] = await Promise.all(
      (['owner', 'editor', 'viewer', 'stranger'] as const).map((label) => newUser(server, `access-${label}`))
    )
  })
  after(() => server.stop())

  describe('REST: role × action matrix', () => {
    /** The records every action points at; `missing()` points each id at a record that does not exist. */
    interface Targets {
      project: number
      doomed: number
      session: number
      message: number
      run: number
    }
    let targets: Targets
    const missing: Targets = { project: MISSING, doomed: MISSING, session: MISSING, message: MISSING, run: MISSING }
    const callers = {} as Record<CallerName, AxiosRequestConfig>

    before(async () => {
      callers.anonymous = {}
      callers['non-member'] = bearer(stranger.token)
      callers.viewer = bearer(viewer.token)
      callers.editor = bearer(editor.token)
      callers.owner = bearer(owner.token)
      const members: [User, Role][] = [
        [viewer, 'viewer'],
        [editor, 'editor']
      ]
      const project = await projectWith(server, owner, members, 'matrix')
      const doomed = await projectWith(server, owner, members, 'to be deleted')
      const as = callers.owner
      const patched = await server.http.patch(`/projects/${project.id}`, { test_command: PASSING_TESTS }, as)
      assert.strictEqual(patched.status, 200, show(patched))
      const session = await server.http.post(`/projects/${project.id}/sessions`, undefined, as)
      assert.strictEqual(session.status, 201, show(session))
      const message = await server.http.post(
        `/sessions/${session.data.id}/messages`,
        { prompt: 'the first prompt' },
        as
      )
      assert.strictEqual(message.status, 201, show(message))
      const run = await server.http.post(`/projects/${project.id}/test-runs`, undefined, as)
      assert.strictEqual(run.status, 201, show(run))
      await until(
        async () => (await server.http.get(`/test-runs/${run.data.id}`, as)).data.finished_at != null,
        'the first test run finished'
      )
      targets = {
        project: project.id,
        doomed: doomed.id,
        session: session.data.id,
        message: message.data.id,
        run: run.data.id
      }
    })

    interface Action {
      name: string
      /** The least role allowed; a list is scoped instead (non-members get 200 without the project). */
      need: Role | 'list'
      ok: number
      send: (t: Targets, as: AxiosRequestConfig) => Promise<AxiosResponse>
      /** For a list: whether the answer shows the project's records. */
      shows?: (response: AxiosResponse, t: Targets) => boolean
    }
    const http = () => server.http
    const ids = (response: AxiosResponse) => (response.data?.data ?? []).map((record: { id: number }) => record.id)

    const ACTIONS: Action[] = [
      { name: 'GET /projects/:id', need: 'viewer', ok: 200, send: (t, as) => http().get(`/projects/${t.project}`, as) },
      {
        name: 'GET /projects',
        need: 'list',
        ok: 200,
        send: (_t, as) => http().get('/projects', as),
        shows: (response, t) => ids(response).includes(t.project)
      },
      {
        name: 'GET /projects/:id/sessions',
        need: 'viewer',
        ok: 200,
        send: (t, as) => http().get(`/projects/${t.project}/sessions`, as)
      },
      {
        name: 'POST /projects/:id/sessions',
        need: 'editor',
        ok: 201,
        send: (t, as) => http().post(`/projects/${t.project}/sessions`, undefined, as)
      },
      {
        name: 'GET /sessions/:sid',
        need: 'viewer',
        ok: 200,
        send: (t, as) => http().get(`/sessions/${t.session}`, as)
      },
      {
        name: 'GET /sessions',
        need: 'list',
        ok: 200,
        send: (_t, as) => http().get('/sessions', as),
        shows: (response, t) => ids(response).includes(t.session)
      },
      {
        name: 'GET /messages?session_id=',
        need: 'list',
        ok: 200,
        send: (t, as) => http().get(`/messages?session_id=${t.session}`, as),
        shows: (response, t) => ids(response).includes(t.message)
      },
      {
        name: 'GET /sessions/:sid/messages',
        need: 'viewer',
        ok: 200,
        send: (t, as) => http().get(`/sessions/${t.session}/messages`, as)
      },
      {
        name: 'POST /sessions/:sid/messages',
        need: 'editor',
        ok: 201,
        send: (t, as) => http().post(`/sessions/${t.session}/messages`, { prompt: 'a prompt from the matrix' }, as)
      },
      {
        name: 'GET /messages/:mid',
        need: 'viewer',
        ok: 200,
        send: (t, as) => http().get(`/messages/${t.message}`, as)
      },
      {
        name: 'GET /projects/:id/test-runs',
        need: 'viewer',
        ok: 200,
        send: (t, as) => http().get(`/projects/${t.project}/test-runs`, as)
      },
      {
        name: 'POST /projects/:id/test-runs',
        need: 'editor',
        ok: 201,
        send: (t, as) => http().post(`/projects/${t.project}/test-runs`, undefined, as)
      },
      { name: 'GET /test-runs/:id', need: 'viewer', ok: 200, send: (t, as) => http().get(`/test-runs/${t.run}`, as) },
      {
        name: 'GET /test-runs',
        need: 'list',
        ok: 200,
        send: (_t, as) => http().get('/test-runs', as),
        shows: (response, t) => ids(response).includes(t.run)
      },
      {
        name: 'DELETE /test-runs/:id (cancel)',
        need: 'editor',
        ok: 200,
        send: (t, as) => http().delete(`/test-runs/${t.run}`, as)
      },
      {
        name: 'PATCH /projects/:id',
        need: 'owner',
        ok: 200,
        send: (t, as) => http().patch(`/projects/${t.project}`, { name: 'renamed' }, as)
      },
      {
        name: 'GET /projects/:id/members',
        need: 'owner',
        ok: 200,
        send: (t, as) => http().get(`/projects/${t.project}/members`, as)
      },
      // Last, and the owner last of all: the owner's call deletes the second project.
      {
        name: 'DELETE /projects/:id',
        need: 'owner',
        ok: 200,
        send: (t, as) => http().delete(`/projects/${t.doomed}`, as)
      }
    ]

    for (const action of ACTIONS) {
      describe(action.name, () => {
        for (const caller of CALLERS) {
          const allowed = action.need === 'list' ? RANK[caller] > 0 : RANK[caller] >= RANK[action.need]
          const expected =
            caller === 'anonymous'
              ? 401
              : action.need === 'list'
                ? action.ok
                : caller === 'non-member'
                  ? 404
                  : allowed
                    ? action.ok
                    : 403
          const title =
            action.need === 'list' && caller !== 'anonymous'
              ? `${caller}: ${expected}, ${caller === 'non-member' ? 'without' : 'with'} the project's records`
              : `${caller}: ${expected}`
          it(title, async () => {
            const what = `${action.name} as ${caller}`
            const response = await action.send(targets, callers[caller])
            assert.strictEqual(response.status, expected, `${what}: expected ${expected}, got ${show(response)}`)
            if (expected === 401) {
              assert.strictEqual(response.data.name, 'NotAuthenticated', what)
            } else if (expected === 403) {
              assert.strictEqual(response.data.name, 'Forbidden', what)
              assert.match(
                response.data.message,
                new RegExp(`needs the ${action.need} role .*you are an? ${caller}`),
                what
              )
            } else if (expected === 404) {
              // Indistinguishable from a record that does not exist: same name, same message.
              const absent = await action.send(missing, callers[caller])
              assert.strictEqual(absent.status, 404, `${action.name} of id ${MISSING} as ${caller}: ${show(absent)}`)
              const normalise = (message: string, t: Targets) =>
                Object.values(t).reduce(
                  (text: string, id) => text.split(`'${id}'`).join("'<id>'").split(` ${id} `).join(' <id> '),
                  message
                )
              assert.deepStrictEqual(
                {
                  name: response.data.name,
                  message: normalise(response.data.message, targets),
                  data: response.data.data
                },
                { name: absent.data.name, message: normalise(absent.data.message, missing), data: absent.data.data },
                `${what}: a non-member's 404 must read like the 404 of a missing id`
              )
            } else if (action.shows) {
              assert.strictEqual(action.shows(response, targets), allowed, `${what}: ${show(response)}`)
            }
          })
        }
      })
    }

    // Mocha runs a suite's own tests before its nested suites: these go in a suite after the matrix.
    describe('around the matrix', () => {
      it('a refused write writes nothing: no message row after a 403, 404 or 401 POST', async () => {
        const before = await countMessages(server, targets.session)
        for (const caller of ['viewer', 'non-member', 'anonymous'] as const) {
          const response = await http().post(
            `/sessions/${targets.session}/messages`,
            { prompt: `from the ${caller}` },
            callers[caller]
          )
          assert.notStrictEqual(Math.floor(response.status / 100), 2, `${caller}: ${show(response)}`)
          const flat = await http().post(
            '/messages',
            { session_id: targets.session, prompt: `from the ${caller}` },
            callers[caller]
          )
          assert.notStrictEqual(Math.floor(flat.status / 100), 2, `${caller} POST /messages: ${show(flat)}`)
        }
        assert.strictEqual(await countMessages(server, targets.session), before)
        const sessions = async () =>
          (await http().get(`/projects/${targets.project}/sessions`, callers.owner)).data.total
        const sessionsBefore = await sessions()
        assert.strictEqual(
          (await http().post(`/projects/${targets.project}/sessions`, undefined, callers.viewer)).status,
          403
        )
        assert.strictEqual(
          (await http().post('/sessions', { project_id: targets.project }, callers.viewer)).status,
          403
        )
        assert.strictEqual(await sessions(), sessionsBefore)
        const project = (await http().get(`/projects/${targets.project}`, callers.owner)).data
        assert.strictEqual(
          (await http().patch(`/projects/${targets.project}`, { test_command: ['node', '-e', '1'] }, callers.editor))
            .status,
          403
        )
        assert.deepStrictEqual((await http().get(`/projects/${targets.project}`, callers.owner)).data, project)
      })

      it('the flat routes are checked as the nested ones: POST /sessions and POST /messages', async () => {
        const expected: Record<CallerName, number> = {
          anonymous: 401,
          'non-member': 404,
          viewer: 403,
          editor: 201,
          owner: 201
        }
        for (const caller of CALLERS) {
          const session = await http().post('/sessions', { project_id: targets.project }, callers[caller])
          assert.strictEqual(session.status, expected[caller], `POST /sessions as ${caller}: ${show(session)}`)
          const message = await http().post(
            '/messages',
            { session_id: targets.session, prompt: 'flat' },
            callers[caller]
          )
          assert.strictEqual(message.status, expected[caller], `POST /messages as ${caller}: ${show(message)}`)
        }
      })

      it("query operators do not widen a non-member's lists ($or, $and, $ne, a parent's id in the query)", async () => {
        const as = callers['non-member']
        const own = await projectWith(server, stranger, [], "the stranger's own")
        const ownSession = await createSessionAs(server, stranger, own.id)
        const lists = [
          `/projects?$or[0][id]=${targets.project}`,
          `/projects?$or[0][id][$gt]=0&$or[1][id]=${targets.project}`,
          `/projects?$and[0][id]=${targets.project}`,
          `/projects?id[$ne]=0`,
          `/sessions?$or[0][project_id]=${targets.project}`,
          `/messages?project_id[$ne]=0`,
          `/messages?$or[0][session_id]=${targets.session}`,
          `/test-runs?project_id[$in][]=${targets.project}`,
          `/projects/${own.id}/sessions?project_id=${targets.project}`,
          `/sessions/${ownSession.id}/messages?session_id=${targets.session}`,
          `/projects/${own.id}/test-runs?project_id=${targets.project}`
        ]
        for (const url of lists) {
          const response = await http().get(url, as)
          assert.strictEqual(response.status, 200, `${url}: ${show(response)}`)
          const foreign = (response.data.data as { id: number; project_id?: number }[]).filter(
            (record) => (record.project_id ?? record.id) === targets.project
          )
          assert.deepStrictEqual(foreign, [], `${url} as a non-member: ${show(response)}`)
        }
      })

      it('a deleted project is gone for its former members too (404, not listed)', async () => {
        for (const caller of ['viewer', 'editor', 'owner'] as const) {
          assert.strictEqual((await http().get(`/projects/${targets.doomed}`, callers[caller])).status, 404, caller)
          assert.ok(!ids(await http().get('/projects', callers[caller])).includes(targets.doomed), caller)
        }
        assert.strictEqual(await server.app.access.memberships.roleOf(targets.doomed, owner.user.id), undefined)
      })
    })
  })

  describe('socket.io', () => {
    let project: { id: number }
    before(async () => {
      project = await projectWith(server, owner, [
        [viewer, 'viewer'],
        [editor, 'editor']
      ])
    })

    it('subscribe: anonymous socket → ack {ok: false, error: 401}', async () => {
      const socket = await connected(server.socket())
      const ack = await subscribeAck(socket, project.id)
      assert.strictEqual(ack.ok, false, JSON.stringify(ack))
      assert.strictEqual(ack.error.code, 401)
      assert.strictEqual(ack.error.name, 'NotAuthenticated')
      assert.strictEqual(socket.connected, true)
    })

    it("subscribe: non-member → 404 'Project N does not exist', as for a project that does not exist", async () => {
      const socket = await socketOf(server, stranger)
      const ack = await subscribeAck(socket, project.id)
      assert.deepStrictEqual(ack, {
        ok: false,
        error: { name: 'NotFound', code: 404, message: `Project ${project.id} does not exist` }
      })
      const absent = await subscribeAck(socket, MISSING)
      assert.deepStrictEqual(absent, {
        ok: false,
        error: { name: 'NotFound', code: 404, message: `Project ${MISSING} does not exist` }
      })
      // Replaying history (since) is refused the same way.
      assert.deepStrictEqual(await subscribeAck(socket, project.id, { since: 0 }), ack)
      // The Feathers door (`create subscriptions`) too.
      const viaService = await call(socket, 'create', 'subscriptions', { project_id: project.id })
      assert.strictEqual(viaService.error?.code, 404, JSON.stringify(viaService))
      assert.strictEqual(viaService.error.message, `Project ${project.id} does not exist`)
    })

    for (const role of ['viewer', 'editor', 'owner'] as const) {
      it(`subscribe: ${role} → ok, and the project's events arrive`, async () => {
        const user = { viewer, editor, owner }[role]
        const socket = await socketOf(server, user)
        const ack = await subscribeAck(socket, project.id)
        assert.strictEqual(ack.ok, true, `${role}: ${JSON.stringify(ack)}`)
        assert.strictEqual(ack.project_id, project.id)
        const event = waitForEvent(socket, 'sessions created')
        await server.http.post(`/projects/${project.id}/sessions`, undefined, bearer(owner.token))
        assert.strictEqual((await event).project_id, project.id)
      })
    }

    it('a bad handshake token → connect_error with a clear message', async () => {
      const socket = server.socket({ auth: { token: `${viewer.token}x` }, reconnection: false })
      const error = await waitForEvent<Error>(socket, 'connect_error')
      assert.match(error.message, /Invalid access token/)
      assert.strictEqual(socket.connected, false)
    })

    it('Feathers socket calls are scoped like REST: find, get, create', async () => {
      const sockets = {
        anonymous: await connected(server.socket()),
        'non-member': await socketOf(server, stranger),
        viewer: await socketOf(server, viewer),
        editor: await socketOf(server, editor),
        owner: await socketOf(server, owner)
      }
      const expectedCreate: Record<CallerName, number | 'ok'> = {
        anonymous: 401,
        'non-member': 404,
        viewer: 403,
        editor: 'ok',
        owner: 'ok'
      }
      for (const caller of CALLERS) {
        const socket = sockets[caller]
        const found = await call(socket, 'find', 'projects', {})
        const got = await call(socket, 'get', 'projects', project.id)
        const created = await call(socket, 'create', 'sessions', { project_id: project.id })
        if (caller === 'anonymous') {
          assert.strictEqual(found.error?.code, 401, `find as ${caller}`)
          assert.strictEqual(got.error?.code, 401, `get as ${caller}`)
        } else {
          assert.ifError(found.error)
          const listed = found.result.data.map((p: { id: number }) => p.id).includes(project.id)
          assert.strictEqual(
            listed,
            caller !== 'non-member',
            `find projects as ${caller}: ${JSON.stringify(found.result)}`
          )
          if (caller === 'non-member') {
            assert.strictEqual(got.error?.code, 404, `get as ${caller}`)
            const absent = await call(socket, 'get', 'projects', MISSING)
            assert.strictEqual(
              got.error.message.replace(String(project.id), '<id>'),
              absent.error.message.replace(String(MISSING), '<id>')
            )
          } else {
            assert.strictEqual(got.result?.id, project.id, `get as ${caller}: ${JSON.stringify(got)}`)
          }
        }
        if (expectedCreate[caller] === 'ok')
          assert.strictEqual(
            created.result?.project_id,
            project.id,
            `create sessions as ${caller}: ${JSON.stringify(created)}`
          )
        else
          assert.strictEqual(
            created.error?.code,
            expectedCreate[caller],
            `create sessions as ${caller}: ${JSON.stringify(created)}`
          )
      }
    })
  })

  describe('members: /projects/:project_id/members', () => {
    let project: { id: number }
    let alice: User
    let bob: User
    const members = (as: User = owner) => server.http.get(`/projects/${project.id}/members`, bearer(as.token))
    const roles = async () =>
      Object.fromEntries(
        ((await members()).data as { user_id: number; role: string }[]).map((m) => [m.user_id, m.role])
      )

    before(async () => {
      ;[alice, bob] = await Promise.all([newUser(server, 'alice'), newUser(server, 'bob')])
      project = await projectWith(server, owner, [], 'members')
    })

    it('the creator is the only member, as owner', async () => {
      const list = await members()
      assert.strictEqual(list.status, 200, show(list))
      assert.strictEqual(list.data.length, 1)
      assert.deepStrictEqual(
        { ...list.data[0], created_at: undefined },
        {
          project_id: project.id,
          user_id: owner.user.id,
          email: owner.email,
          role: 'owner',
          created_at: undefined
        }
      )
    })

    it('adds by email (any case) and by user_id: 201 with the member', async () => {
      const byEmail = await server.http.post(
        `/projects/${project.id}/members`,
        { email: alice.email.toUpperCase(), role: 'editor' },
        bearer(owner.token)
      )
      assert.strictEqual(byEmail.status, 201, show(byEmail))
      assert.deepStrictEqual(
        { ...byEmail.data, created_at: undefined },
        {
          project_id: project.id,
          user_id: alice.user.id,
          email: alice.email,
          role: 'editor',
          created_at: undefined
        }
      )
      const byId = await server.http.post(
        `/projects/${project.id}/members`,
        { user_id: bob.user.id, role: 'viewer' },
        bearer(owner.token)
      )
      assert.strictEqual(byId.status, 201, show(byId))
      assert.strictEqual(byId.data.email, bob.email)
      assert.deepStrictEqual(await roles(), {
        [owner.user.id]: 'owner',
        [alice.user.id]: 'editor',
        [bob.user.id]: 'viewer'
      })
      // And they now see the project.
      assert.strictEqual((await server.http.get(`/projects/${project.id}`, bearer(bob.token))).status, 200)
    })

    it('a duplicate is a 409 and changes nothing', async () => {
      for (const body of [
        { user_id: alice.user.id, role: 'owner' },
        { email: bob.email, role: 'editor' }
      ]) {
        const response = await server.http.post(`/projects/${project.id}/members`, body, bearer(owner.token))
        assert.strictEqual(response.status, 409, show(response))
        assert.match(response.data.message, /member of project .* already/)
      }
      assert.deepStrictEqual(await roles(), {
        [owner.user.id]: 'owner',
        [alice.user.id]: 'editor',
        [bob.user.id]: 'viewer'
      })
    })

    it('an unknown email or user id is a 404; a bad body is a 400', async () => {
      const email = await server.http.post(
        `/projects/${project.id}/members`,
        { email: 'nobody-here@example.test', role: 'viewer' },
        bearer(owner.token)
      )
      assert.strictEqual(email.status, 404, show(email))
      assert.match(email.data.message, /No user with email nobody-here@example.test/)
      const id = await server.http.post(
        `/projects/${project.id}/members`,
        { user_id: MISSING, role: 'viewer' },
        bearer(owner.token)
      )
      assert.strictEqual(id.status, 404, show(id))
      for (const body of [
        { user_id: bob.user.id },
        { user_id: bob.user.id, role: 'admin' },
        { user_id: bob.user.id, email: bob.email, role: 'viewer' },
        {}
      ]) {
        const response = await server.http.post(`/projects/${project.id}/members`, body, bearer(owner.token))
        assert.strictEqual(response.status, 400, `${JSON.stringify(body)}: ${show(response)}`)
      }
      assert.strictEqual((await members()).data.length, 3)
    })

    it('PATCH changes a role, and the new role applies at once', async () => {
      assert.strictEqual(
        (await server.http.post(`/projects/${project.id}/sessions`, undefined, bearer(bob.token))).status,
        403
      )
      const patched = await server.http.patch(
        `/projects/${project.id}/members/${bob.user.id}`,
        { role: 'editor' },
        bearer(owner.token)
      )
      assert.strictEqual(patched.status, 200, show(patched))
      assert.strictEqual(patched.data.role, 'editor')
      const one = await server.http.get(`/projects/${project.id}/members/${bob.user.id}`, bearer(owner.token))
      assert.strictEqual(one.data.role, 'editor')
      assert.strictEqual(
        (await server.http.post(`/projects/${project.id}/sessions`, undefined, bearer(bob.token))).status,
        201
      )
      const stranger404 = await server.http.patch(
        `/projects/${project.id}/members/${stranger.user.id}`,
        { role: 'editor' },
        bearer(owner.token)
      )
      assert.strictEqual(stranger404.status, 404, show(stranger404))
      assert.strictEqual(
        (
          await server.http.patch(
            `/projects/${project.id}/members/${bob.user.id}`,
            { role: 'root' },
            bearer(owner.token)
          )
        ).status,
        400
      )
    })

    it('the last owner can neither leave nor be demoted (409); with a second owner both work', async () => {
      const leave = await server.http.delete(`/projects/${project.id}/members/${owner.user.id}`, bearer(owner.token))
      assert.strictEqual(leave.status, 409, show(leave))
      assert.match(leave.data.message, /at least one owner/)
      const demote = await server.http.patch(
        `/projects/${project.id}/members/${owner.user.id}`,
        { role: 'editor' },
        bearer(owner.token)
      )
      assert.strictEqual(demote.status, 409, show(demote))
      // Making the owner an owner again is no change, and allowed.
      assert.strictEqual(
        (
          await server.http.patch(
            `/projects/${project.id}/members/${owner.user.id}`,
            { role: 'owner' },
            bearer(owner.token)
          )
        ).status,
        200
      )
      assert.strictEqual((await roles())[owner.user.id], 'owner')

      assert.strictEqual(
        (
          await server.http.patch(
            `/projects/${project.id}/members/${alice.user.id}`,
            { role: 'owner' },
            bearer(owner.token)
          )
        ).status,
        200
      )
      const demoted = await server.http.patch(
        `/projects/${project.id}/members/${owner.user.id}`,
        { role: 'editor' },
        bearer(owner.token)
      )
      assert.strictEqual(demoted.status, 200, show(demoted))
      // Alice is now the last owner: the former owner (an editor) may not manage members any more...
      assert.strictEqual((await members(owner)).status, 403)
      // ...and alice cannot leave.
      const aliceLeaves = await server.http.delete(
        `/projects/${project.id}/members/${alice.user.id}`,
        bearer(alice.token)
      )
      assert.strictEqual(aliceLeaves.status, 409, show(aliceLeaves))
      // Back as it was, for the tests below.
      assert.strictEqual(
        (
          await server.http.patch(
            `/projects/${project.id}/members/${owner.user.id}`,
            { role: 'owner' },
            bearer(alice.token)
          )
        ).status,
        200
      )
      assert.strictEqual(
        (
          await server.http.patch(
            `/projects/${project.id}/members/${alice.user.id}`,
            { role: 'editor' },
            bearer(owner.token)
          )
        ).status,
        200
      )
      assert.deepStrictEqual(await roles(), {
        [owner.user.id]: 'owner',
        [alice.user.id]: 'editor',
        [bob.user.id]: 'editor'
      })
    })

    it('a non-owner cannot manage members: 403 for members, 404 for non-members, 401 without a token', async () => {
      const calls = (as: AxiosRequestConfig) =>
        [
          ['GET list', () => server.http.get(`/projects/${project.id}/members`, as)],
          ['GET one', () => server.http.get(`/projects/${project.id}/members/${owner.user.id}`, as)],
          [
            'POST',
            () => server.http.post(`/projects/${project.id}/members`, { user_id: stranger.user.id, role: 'owner' }, as)
          ],
          ['PATCH', () => server.http.patch(`/projects/${project.id}/members/${bob.user.id}`, { role: 'owner' }, as)],
          ['DELETE', () => server.http.delete(`/projects/${project.id}/members/${owner.user.id}`, as)]
        ] as const
      const cases: [string, AxiosRequestConfig, number][] = [
        ['editor alice', bearer(alice.token), 403],
        ['non-member', bearer(stranger.token), 404],
        ['anonymous', {}, 401]
      ]
      for (const [who, as, status] of cases) {
        for (const [what, send] of calls(as)) {
          const response = await send()
          assert.strictEqual(response.status, status, `${what} members as ${who}: ${show(response)}`)
        }
      }
      assert.deepStrictEqual(await roles(), {
        [owner.user.id]: 'owner',
        [alice.user.id]: 'editor',
        [bob.user.id]: 'editor'
      })
    })

    it('DELETE removes a member: 200 with the member, then the project is a 404 for them', async () => {
      const removed = await server.http.delete(`/projects/${project.id}/members/${bob.user.id}`, bearer(owner.token))
      assert.strictEqual(removed.status, 200, show(removed))
      assert.strictEqual(removed.data.user_id, bob.user.id)
      assert.strictEqual((await server.http.get(`/projects/${project.id}`, bearer(bob.token))).status, 404)
      const again = await server.http.delete(`/projects/${project.id}/members/${bob.user.id}`, bearer(owner.token))
      assert.strictEqual(again.status, 404, show(again))
    })
  })

  describe('revocation of live subscriptions', () => {
    it("member removed: the user's sockets get subscription_revoked {member_removed} at once, stay connected, and hear nothing more", async () => {
      const project = await projectWith(
        server,
        owner,
        [
          [viewer, 'viewer'],
          [editor, 'editor']
        ],
        'revoke'
      )
      // The viewer keeps another project, which must keep flowing.
      const kept = await projectWith(server, owner, [[viewer, 'viewer']], 'kept')
      const [viewerA, viewerB, editorSocket] = await Promise.all([
        socketOf(server, viewer),
        socketOf(server, viewer),
        socketOf(server, editor)
      ])
      for (const socket of [viewerA, viewerB, editorSocket]) await subscribe(socket, project.id)
      await subscribe(viewerA, kept.id)
      const viewerEvents = [recordEvents(viewerA), recordEvents(viewerB)]
      const editorEvents = recordEvents(editorSocket)

      const revoked = [
        waitForEvent(viewerA, 'subscription_revoked', 1000),
        waitForEvent(viewerB, 'subscription_revoked', 1000)
      ]
      const removed = await server.http.delete(`/projects/${project.id}/members/${viewer.user.id}`, bearer(owner.token))
      assert.strictEqual(removed.status, 200, show(removed))
      for (const event of await Promise.all(revoked))
        assert.deepStrictEqual(event, { project_id: project.id, reason: 'member_removed' })
      assert.ok(viewerA.connected && viewerB.connected, 'the viewer stays connected')

      // The owner goes on: the editor hears it all, the viewer nothing of this project.
      const sessionCreated = waitForEvent(editorSocket, 'sessions created')
      const messageCreated = waitForEvent(editorSocket, 'messages created')
      const session = await createSessionAs(server, owner, project.id)
      const message = await server.http.post(
        `/sessions/${session.id}/messages`,
        { prompt: 'after the removal' },
        bearer(owner.token)
      )
      assert.strictEqual(message.status, 201, show(message))
      assert.strictEqual((await sessionCreated).id, session.id)
      assert.strictEqual((await messageCreated).id, message.data.id)
      const keptEvent = waitForEvent(viewerA, 'sessions created')
      await createSessionAs(server, owner, kept.id)
      assert.strictEqual((await keptEvent).project_id, kept.id)
      await sleep(100)
      for (const events of viewerEvents) {
        const leaked = events.filter(
          (e) => e.event !== 'heartbeat' && e.event !== 'subscription_revoked' && e.payload?.project_id === project.id
        )
        assert.deepStrictEqual(leaked, [], 'no event of the project after the revocation')
        assert.strictEqual(events.filter((e) => e.event === 'subscription_revoked').length, 1)
      }
      assert.deepStrictEqual(
        editorEvents.filter((e) => e.event === 'subscription_revoked'),
        []
      )
      const roomMembers = server.app.io.of('/').adapter.rooms.get(projectRoom(project.id))
      assert.deepStrictEqual([...(roomMembers ?? [])], [editorSocket.id])

      // Resubscribing (with or without since) is a 404, as for a stranger.
      const again = await subscribeAck(viewerA, project.id)
      assert.deepStrictEqual(again, {
        ok: false,
        error: { name: 'NotFound', code: 404, message: `Project ${project.id} does not exist` }
      })
      assert.strictEqual((await subscribeAck(viewerB, project.id, { since: 0 })).ok, false)
    })

    it('project deleted: subscribers get `projects removed`, then subscription_revoked {project_removed}, and leave the room', async () => {
      const project = await projectWith(server, owner, [[viewer, 'viewer']], 'deleted while watched')
      const sockets = [await socketOf(server, viewer), await socketOf(server, owner)]
      for (const socket of sockets) await subscribe(socket, project.id)
      const seen = sockets.map((socket) => {
        const events: { event: string; payload: any }[] = []
        socket.onAny((event, payload) => {
          if (event === 'projects removed' || event === 'subscription_revoked') events.push({ event, payload })
        })
        return events
      })
      const removed = await server.http.delete(`/projects/${project.id}`, bearer(owner.token))
      assert.strictEqual(removed.status, 200, show(removed))
      await until(
        () => seen.every((events) => events.length >= 2),
        'both sockets heard the removal and the revocation',
        2000
      )
      for (const events of seen) {
        assert.deepStrictEqual(
          events.map((e) => e.event),
          ['projects removed', 'subscription_revoked']
        )
        assert.strictEqual(events[0].payload.id, project.id)
        assert.deepStrictEqual(events[1].payload, { project_id: project.id, reason: 'project_removed' })
      }
      await until(() => !server.app.io.of('/').adapter.rooms.has(projectRoom(project.id)), 'the room is empty')
      assert.ok(sockets.every((socket) => socket.connected))
      assert.strictEqual((await subscribeAck(sockets[0], project.id)).error?.code, 404)
    })
  })
})

/** POST /projects/:id/sessions as a user: the session. */
async function createSessionAs(server: TestServer, user: User, projectId: number) {
  const response = await server.http.post(`/projects/${projectId}/sessions`, undefined, bearer(user.token))
  assert.strictEqual(response.status, 201, show(response))
  return response.data as { id: number; project_id: number }
}

describe('access: AUTH=off (the default) checks no role', () => {
  let server: TestServer
  before(async () => {
    server = await startTestServer()
  })
  after(() => server.stop())

  it('no token: create a project, a session, a message, subscribe, patch and delete', async () => {
    const project = await createProject(server, 'local')
    const socket = await connected(server.socket())
    await subscribe(socket, project.id)
    const sessionEvent = waitForEvent(socket, 'sessions created')
    const session = await createSession(server, project.id)
    assert.strictEqual((await sessionEvent).id, session.id)
    const message = await server.http.post(`/sessions/${session.id}/messages`, { prompt: 'hello' })
    assert.strictEqual(message.status, 201, show(message))
    const found = await server.http.get(`/messages?session_id=${session.id}`)
    assert.deepStrictEqual(
      found.data.data.map((m: { id: number }) => m.id),
      [message.data.id]
    )
    assert.strictEqual((await server.http.patch(`/projects/${project.id}`, { name: 'renamed' })).status, 200)
    assert.strictEqual((await server.http.get(`/projects/${project.id}/members`)).status, 200)
    assert.strictEqual((await server.http.delete(`/projects/${project.id}`)).status, 200)
  })

  it('a signed-in user who is not a member is not refused either (no role checks with AUTH=off)', async () => {
    const project = await createProject(server, 'the local user owns it')
    const other = await newUser(server, 'off-other')
    assert.strictEqual(await server.app.access.memberships.roleOf(project.id, other.user.id), undefined)
    assert.strictEqual((await server.http.get(`/projects/${project.id}`, bearer(other.token))).status, 200)
    assert.strictEqual(
      (await server.http.post(`/projects/${project.id}/sessions`, undefined, bearer(other.token))).status,
      201
    )
    assert.strictEqual(
      (await server.http.patch(`/projects/${project.id}`, { name: 'theirs now' }, bearer(other.token))).status,
      200
    )
    const socket = await connected(server.socket({ auth: { token: other.token } }))
    await subscribe(socket, project.id)
  })
})
