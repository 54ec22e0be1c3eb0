// The vibecode job queue (src/vibecode/jobs.ts) seen from outside: how many model streams run at
// once, the 503 of a full queue, and what becomes of answers across a shutdown, a crash and a
// restart.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import { createProject, createSession, startTestServer, until } from './helpers'
import { anthropicResponder } from './fakes/anthropic'
import { startFakeServer } from './fakes/sse-server'
import { answered, postPrompt } from './vibecode-helpers'

describe('vibecode jobs', () => {
  describe('the job queue', () => {
    it('runs at most VIBECODE_CONCURRENCY model streams at once', async () => {
      const fake = await startFakeServer(anthropicResponder)
      const server = await startTestServer({
        vibecodeProvider: 'anthropic',
        anthropicBaseUrl: fake.url,
        vibecodeConcurrency: 2
      } as any)
      try {
        const project = await createProject(server)
        const session = await createSession(server, project.id)
        const ids = []
        for (let i = 0; i < 8; i++)
          ids.push((await server.http.post(`/sessions/${session.id}/messages`, { prompt: `p${i}` })).data.id)
        for (const id of ids) assert.strictEqual((await answered(server, id)).status, 'completed')
        assert.strictEqual(fake.requests.length, 8)
        assert.strictEqual(fake.maxActive, 2)
      } finally {
        await server.stop()
        await fake.close()
      }
    })

    it('refuses a message with 503, storing nothing, when the queue is full', async () => {
      const fake = await startFakeServer(anthropicResponder)
      fake.scenario = 'hang'
      const server = await startTestServer({
        vibecodeProvider: 'anthropic',
        anthropicBaseUrl: fake.url,
        vibecodeConcurrency: 1,
        vibecodeQueueMax: 2,
        vibecodeTimeoutMs: 60_000
      } as any)
      try {
        const project = await createProject(server)
        const session = await createSession(server, project.id)
        const statuses = []
        for (let i = 0; i < 4; i++)
          statuses.push((await server.http.post(`/sessions/${session.id}/messages`, { prompt: `p${i}` })).status)
        // One running, two waiting, the fourth refused.
        assert.deepStrictEqual(statuses, [201, 201, 201, 503])
        assert.strictEqual((await server.http.get(`/sessions/${session.id}/messages`)).data.total, 3)
      } finally {
        await server.stop()
        await fake.close()
      }
    })
  })

  describe('across restarts', () => {
    let dir: string
    let database: string
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-answers-'))
      database = process.env.DATABASE_URL ?? `sqlite:${path.join(dir, 'db.sqlite')}`
    })
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

    it('a GET after a restart returns the same answer', async () => {
      const first = await startTestServer({ database })
      const { message } = await postPrompt(first)
      const before = await answered(first, message.id)
      await first.stop()
      const second = await startTestServer({ database })
      try {
        assert.deepStrictEqual((await second.http.get(`/messages/${message.id}`)).data, before)
      } finally {
        await second.stop()
      }
    })

    it('jobs cut off by shutdown are failed by the shutdown itself, not left for the next start', async () => {
      const first = await startTestServer({ database, simulatedTokensPerSecond: 5, vibecodeConcurrency: 1 })
      const { message, session } = await postPrompt(first)
      const waiting = (await first.http.post(`/sessions/${session.id}/messages`, { prompt: 'Wait your turn' })).data
      await until(
        async () => (await first.http.get(`/messages/${message.id}`)).data.status === 'streaming',
        'streaming'
      )
      await first.stop()
      const second = await startTestServer({ database })
      try {
        const [running, queued] = [
          (await second.http.get(`/messages/${message.id}`)).data,
          (await second.http.get(`/messages/${waiting.id}`)).data
        ]
        for (const stored of [running, queued]) {
          assert.strictEqual(stored.status, 'failed')
          assert.strictEqual(stored.error.code, 'interrupted')
        }
        // Written by jobs.stop() while the first server shut down; the next start's recover()
        // would have said "restarted" (the crash test below).
        assert.match(running.error.message, /shut down while this message was being answered/)
        assert.match(queued.error.message, /shut down before this message was answered/)
      } finally {
        await second.stop()
      }
    })

    it('a job cut off by a crash (left streaming in the database) is failed at the next start', async () => {
      const first = await startTestServer({ database })
      const { message } = await postPrompt(first)
      await answered(first, message.id)
      // What a killed process leaves behind.
      await first.app.get('dbClient')('messages').where({ id: message.id }).update({ status: 'streaming', patch: null })
      await first.stop()
      const second = await startTestServer({ database })
      try {
        const stored = (await second.http.get(`/messages/${message.id}`)).data
        assert.strictEqual(stored.status, 'failed')
        assert.strictEqual(stored.error.code, 'interrupted')
        // Written by the second server's recover(): the first one never saw it cut off.
        assert.match(stored.error.message, /restarted before this message was answered/)
      } finally {
        await second.stop()
      }
    })
  })
})
