// The REST contract (issue 13): /openapi.json validates with the official parser, names every
// registered service with the methods it offers, and real answers of the running app - errors
// included - match the schemas it gives for them. /docs serves both viewers from local files.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import SwaggerParser from '@apidevtools/swagger-parser'
import { openApiDocument, servicePaths } from '../src/contract/openapi'
import { createApp } from '../src/app'
import { SERVICE_DOCS } from '../src/contract/openapi-services'
import { startTestServer, uniqueEmail, TEST_PASSWORD } from './helpers'
import type { TestServer } from './helpers'
import { restChecker } from './contract-rest'

const SECRET = 'a-test-secret-that-is-long-enough-0123456789'
const EVIDENCE = path.join(__dirname, '..', 'evidence', 'contract', 'openapi.json')

const VERBS = { find: 'get', get: 'get', create: 'post', update: 'put', patch: 'patch', remove: 'delete' } as const

describe('contract: OpenAPI for REST', () => {
  let server: TestServer
  let workspaces: string
  let document: any
  let problems: Awaited<ReturnType<typeof restChecker>>

  before(async () => {
    workspaces = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-contract-'))
    server = await startTestServer({ testWorkspaceRoot: workspaces })
    const response = await server.http.get('/openapi.json')
    assert.strictEqual(response.status, 200)
    document = response.data
    problems = await restChecker(document)
  })
  after(async () => {
    await server.stop()
    fs.rmSync(workspaces, { recursive: true, force: true })
  })

  /** Sends a request and asserts its answer matches the document's schema for its status. */
  async function checked(verb: string, url: string, template: string, status: number, body?: unknown) {
    const response = await server.http.request({ method: verb, url, data: body })
    assert.strictEqual(response.status, status, `${verb} ${url}: ${JSON.stringify(response.data)}`)
    assert.deepStrictEqual(problems(verb, template, status, response.data), [], `${verb} ${url}`)
    return response.data
  }

  it('validates as OpenAPI 3.1 with @apidevtools/swagger-parser', async () => {
    assert.strictEqual(document.openapi, '3.1.0')
    await SwaggerParser.validate(JSON.parse(JSON.stringify(document)))
  })

  it('has every registered service path with exactly the methods it offers, each with its schemas', () => {
    const services = servicePaths(server.app)
    assert.ok(services.length >= 12, `${services.length} services`)
    for (const { path: servicePath, methods } of services) {
      assert.ok(SERVICE_DOCS[servicePath], `${servicePath} has no entry in src/contract/openapi-services.ts`)
      const base = `/${servicePath.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`
      const offered = new Set<string>()
      for (const [route, operations] of Object.entries<Record<string, unknown>>(document.paths)) {
        if (route !== base && !(route.startsWith(`${base}/{`) && !route.slice(base.length + 1).includes('/'))) continue
        for (const verb of Object.keys(operations)) offered.add(`${verb} ${route === base ? '' : '/{id}'}`)
      }
      const expected = methods.map((method) => {
        const withoutId =
          method === 'find' || method === 'create' || SERVICE_DOCS[servicePath].withoutId?.includes(method)
        return `${VERBS[method]} ${withoutId ? '' : '/{id}'}`
      })
      assert.deepStrictEqual([...offered].sort(), [...new Set(expected)].sort(), servicePath)
    }
  })

  it('shows a service registered later on its own, with the methods it offers (untyped until described)', () => {
    const app = createApp({ port: 0, host: '127.0.0.1' })
    app.use(
      'widgets/:project_id/parts' as never,
      { async find() {}, async get() {} } as never,
      { methods: ['find', 'get'] } as never
    )
    const built = openApiDocument(app) as any
    assert.deepStrictEqual(Object.keys(built.paths['/widgets/{project_id}/parts']), ['get'])
    assert.deepStrictEqual(Object.keys(built.paths['/widgets/{project_id}/parts/{id}']), ['get'])
    assert.deepStrictEqual(built.paths['/widgets/{project_id}/parts'].get.tags, ['undocumented'])
  })

  it('says which operations need the bearer token with AUTH=required', () => {
    assert.deepStrictEqual(document.paths['/users'].post.security, [])
    assert.deepStrictEqual(document.paths['/authentication'].post.security, [])
    assert.deepStrictEqual(document.paths['/projects'].get.security, [{ bearerAuth: [] }])
    assert.deepStrictEqual(document.paths['/projects/{project_id}/sessions'].post.security, [{ bearerAuth: [] }])
  })

  it('real answers match their response schemas', async () => {
    const project = await checked('post', '/projects', '/projects', 201, {
      name: 'Contract',
      test_command: ['node', '-e', '0']
    })
    await checked('get', '/projects', '/projects', 200)
    await checked('get', `/projects/${project.id}`, '/projects/{id}', 200)
    await checked('patch', `/projects/${project.id}`, '/projects/{id}', 200, { name: 'Contract 2' })
    const session = await checked('post', `/projects/${project.id}/sessions`, '/projects/{project_id}/sessions', 201)
    await checked('get', `/projects/${project.id}/sessions?$limit=5`, '/projects/{project_id}/sessions', 200)
    await checked('get', `/sessions/${session.id}`, '/sessions/{id}', 200)
    const message = await checked('post', `/sessions/${session.id}/messages`, '/sessions/{session_id}/messages', 201, {
      prompt: 'Add a contract'
    })
    await checked('get', `/messages/${message.id}`, '/messages/{id}', 200)
    await checked('get', `/sessions/${session.id}/messages`, '/sessions/{session_id}/messages', 200)
    await checked('get', `/projects/${project.id}/members`, '/projects/{project_id}/members', 200)
    await checked('get', `/test-runs?project_id=${project.id}`, '/test-runs', 200)
    await checked('get', '/connections', '/connections', 200)
    await checked('get', `/projects/${project.id}/presence`, '/projects/{project_id}/presence', 200)
    await checked('get', '/health/live', '/health/live', 200)
    await checked('get', '/health/ready', '/health/ready', 200)
    const email = uniqueEmail('contract')
    await checked('post', '/users', '/users', 201, { email, password: TEST_PASSWORD })
    await checked('post', '/authentication', '/authentication', 201, {
      strategy: 'local',
      email,
      password: TEST_PASSWORD
    })
    await checked('delete', `/sessions/${session.id}`, '/sessions/{id}', 200)
  })

  it('real answers of the members, authentication and test-run routes match too', async () => {
    const project = await checked('post', '/projects', '/projects', 201, {
      name: 'Contract',
      test_command: ['node', '-e', '0']
    })
    const email = uniqueEmail('member')
    const user = await checked('post', '/users', '/users', 201, { email, password: TEST_PASSWORD })
    const members = `/projects/${project.id}/members`
    await checked('post', members, '/projects/{project_id}/members', 201, { email, role: 'viewer' })
    await checked('post', members, '/projects/{project_id}/members', 409, { user_id: user.id, role: 'viewer' })
    await checked('get', `${members}/${user.id}`, '/projects/{project_id}/members/{user_id}', 200)
    await checked('patch', `${members}/${user.id}`, '/projects/{project_id}/members/{user_id}', 200, { role: 'editor' })
    await checked('delete', `${members}/${user.id}`, '/projects/{project_id}/members/{user_id}', 200)
    const login = await checked('post', '/authentication', '/authentication', 201, {
      strategy: 'local',
      email,
      password: TEST_PASSWORD
    })
    const logout = await server.http.delete('/authentication', {
      headers: { Authorization: `Bearer ${login.accessToken}` }
    })
    assert.strictEqual(logout.status, 200)
    assert.deepStrictEqual(problems('delete', '/authentication', 200, logout.data), [])
    await checked('delete', '/authentication', '/authentication', 401)
    const run = await checked('post', `/projects/${project.id}/test-runs`, '/projects/{project_id}/test-runs', 201)
    await checked('get', `/projects/${project.id}/test-runs`, '/projects/{project_id}/test-runs', 200)
    await checked('delete', `/test-runs/${run.id}`, '/test-runs/{id}', 200)
    await checked('get', `/test-runs/${run.id}`, '/test-runs/{id}', 200)
    await checked('delete', `/projects/${project.id}`, '/projects/{id}', 200)
  })

  it('error answers match the error schema of their status', async () => {
    await checked('post', '/projects', '/projects', 400, { name: '' })
    await checked('get', '/projects?colour=red', '/projects', 400)
    await checked('get', '/projects/2147483000', '/projects/{id}', 404)
    await checked('post', '/projects/2147483000/sessions', '/projects/{project_id}/sessions', 404)
    await checked('post', '/subscriptions', '/subscriptions', 400, { project_id: 1 })
    await checked('post', '/authentication', '/authentication', 401, {
      strategy: 'local',
      email: 'no@one.test',
      password: 'wrong password'
    })
  })

  it('the checker refuses an answer that differs from the schema', () => {
    const project = { id: 1, name: 'x', test_command: null, created_at: new Date().toISOString() }
    assert.notDeepStrictEqual(problems('get', '/projects/{id}', 200, project), [], 'updated_at is missing')
    assert.notDeepStrictEqual(
      problems('get', '/projects/{id}', 200, { ...project, updated_at: project.created_at, colour: 1 }),
      []
    )
    assert.deepStrictEqual(problems('get', '/projects/{id}', 200, { ...project, updated_at: project.created_at }), [])
  })

  it('is what evidence/contract/openapi.json holds (npm run evidence rewrites it)', () => {
    assert.ok(fs.existsSync(EVIDENCE), 'evidence/contract/openapi.json is missing: npm run evidence')
    assert.deepStrictEqual(
      JSON.parse(fs.readFileSync(EVIDENCE, 'utf8')),
      document,
      'the REST contract changed: run npm run evidence and commit evidence/contract/openapi.json'
    )
  })

  it('evidence/contract/asyncapi.json is what /asyncapi.json serves (npm run evidence rewrites it)', async () => {
    const served = (await server.http.get('/asyncapi.json')).data
    const file = path.join(path.dirname(EVIDENCE), 'asyncapi.json')
    assert.ok(fs.existsSync(file), 'evidence/contract/asyncapi.json is missing: npm run evidence')
    assert.deepStrictEqual(
      JSON.parse(fs.readFileSync(file, 'utf8')),
      served,
      'the socket.io contract changed: run npm run evidence and commit evidence/contract/asyncapi.json'
    )
  })

  it('serves /docs with its CSP and the viewers from local packages, and nothing else under /docs/assets', async () => {
    const page = await server.http.get('/docs')
    assert.strictEqual(page.status, 200)
    assert.match(String(page.headers['content-type']), /text\/html/)
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/)
    assert.doesNotMatch(page.data, /https?:\/\//, 'no URL to another server')
    for (const asset of [
      'favicon.png',
      'swagger-ui-bundle.js',
      'swagger-ui.css',
      'asyncapi.js',
      'asyncapi.css',
      'docs.js',
      'docs.css'
    ]) {
      const response = await server.http.get(`/docs/assets/${asset}`, { responseType: 'text' })
      assert.strictEqual(response.status, 200, asset)
      assert.ok(response.data.length > 100, asset)
    }
    for (const other of ['index.html', '..%2Fpackage.json', 'swagger-ui-bundle.js.map', 'constructor', '__proto__']) {
      assert.strictEqual((await server.http.get(`/docs/assets/${other}`)).status, 404, other)
    }
  })

  it('is public with AUTH=required, while the services it describes still need a token', async () => {
    const locked = await startTestServer({ auth: 'required', authSecret: SECRET })
    try {
      const anonymous = { headers: { Authorization: '' } }
      for (const route of ['/openapi.json', '/docs', '/docs/assets/docs.js']) {
        assert.strictEqual((await locked.http.get(route, anonymous)).status, 200, route)
      }
      const refused = await locked.http.get('/projects', anonymous)
      assert.strictEqual(refused.status, 401)
      assert.deepStrictEqual(problems('get', '/projects', 401, refused.data), [])
    } finally {
      await locked.stop()
    }
  })
})
