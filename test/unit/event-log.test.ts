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
    const state = await log.state(P)
    assert.deepStrictEqual(state, { latest: 3, pruned: 0, epoch: state.epoch })
    assert.match(state.epoch, /^[0-9a-f]{12}$/)
  })

  it('keeps one epoch per stream, and a new one when the stream restarts in a transaction', async () => {
    const log = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 100 })
    await log.append(P, 'e', {})
    const { epoch } = await log.state(P)
    assert.strictEqual((await log.state(P)).epoch, epoch, 'stable')
    await db.transaction(async (trx) => {
      await log.restart(P, trx)
      assert.strictEqual(await log.append(P, 'e', { again: true }, trx), 1)
    })
    const restarted = await log.state(P)
    assert.notStrictEqual(restarted.epoch, epoch)
    assert.deepStrictEqual(
      (await log.read(P, 0, 10)).map((e) => e.payload),
      [{ again: true }]
    )
    // An append outside a transaction after one inside: the seq goes on, no clash, no hole.
    assert.strictEqual(await log.append(P, 'e', {}), 2)
  })

  it('an append rolled back with its transaction leaves no seq taken', async () => {
    const log = new KnexEventLog(db, { retentionMs: 60_000, maxPerProject: 100 })
    await log.append(P, 'e', {})
    await assert.rejects(
      db.transaction(async (trx) => {
        await log.append(P, 'e', { rolled: 'back' }, trx)
        throw new Error('the change failed')
      })
    )
    assert.strictEqual(await log.append(P, 'e', {}), 2)
    assert.deepStrictEqual(
      (await log.read(P, 0, 10)).map((e) => e.seq),
      [1, 2]
    )
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
    assert.deepStrictEqual({ ...(await log.state(P)), epoch: undefined }, { latest: 5, pruned: 3, epoch: undefined })
    assert.deepStrictEqual(
      (await log.read(P, 0, 10)).map((e) => e.seq),
      [4, 5]
    )
    // Age: everything is older than a retention of 1 ms in the future.
    const aged = new KnexEventLog(db, { retentionMs: 1, maxPerProject: 100 })
    await aged.prune(Date.now() + 1000)
    assert.deepStrictEqual({ ...(await aged.state(P)), epoch: undefined }, { latest: 5, pruned: 5, epoch: undefined })
    assert.strictEqual(await aged.append(P, 'e', {}), 6)
  })
})
