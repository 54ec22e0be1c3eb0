// The event log on SQLite (PostgreSQL's locked path runs in the PostgreSQL and cluster suites).
import assert from 'assert'
import type { Knex } from 'knex'
import { createKnex } from '../../src/database'
import { migrationSource } from '../../src/migrations'
import { KnexEventLog } from '../../src/realtime/event-log'

describe('unit: event log', () => {
  let db: Knex
  beforeEach(async () => {
    db = createKnex(process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'sqlite::memory:')
    await db.migrate.latest({ migrationSource })
    await db('project_events').where({ project_id: 424242 }).delete()
    await db('project_log_state').where({ project_id: 424242 }).delete()
  })
  afterEach(() => db.destroy())

  const P = 424242

  it('numbers 1, 2, 3 and reads back in order with the payloads', async () => {
    const log = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 100 })
    for (const n of [1, 2, 3]) assert.strictEqual(await log.append(P, 'e', { n }), n)
    assert.deepStrictEqual(await log.read(P, 1, 10), [
      { seq: 2, event: 'e', payload: { n: 2 } },
      { seq: 3, event: 'e', payload: { n: 3 } }
    ])
    assert.deepStrictEqual(await log.state(P), { latest: 3, pruned: 0 })
  })

  it('takes the next free seq when another writer got there first', async () => {
    const mine = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 100 })
    const other = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 100 })
    assert.strictEqual(await mine.append(P, 'e', {}), 1) // mine caches 1
    assert.strictEqual(await other.append(P, 'e', {}), 2)
    assert.strictEqual(await other.append(P, 'e', {}), 3)
    assert.strictEqual(await mine.append(P, 'e', {}), 4) // its cached 2 clashed: re-read, retried
  })

  it('keeps the latest seq when everything is pruned, and goes on from it', async () => {
    const log = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 2 })
    for (let i = 0; i < 5; i++) await log.append(P, 'e', { i })
    // (At least: on the shared PostgreSQL test database other projects may be pruned too.)
    assert.ok((await log.prune()) >= 3)
    assert.deepStrictEqual(await log.state(P), { latest: 5, pruned: 3 })
    assert.deepStrictEqual(
      (await log.read(P, 0, 10)).map((e) => e.seq),
      [4, 5]
    )
    // Age: everything is older than a retention of 1 ms in the future.
    const aged = new KnexEventLog(db, { retentionMs: 1, maxPerProject: 100 })
    await aged.prune(Date.now() + 1000)
    assert.deepStrictEqual(await aged.state(P), { latest: 5, pruned: 5 })
    assert.strictEqual(await aged.append(P, 'e', {}), 6)
  })
})
