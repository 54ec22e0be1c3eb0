// The replay decision of a resuming subscriber (src/realtime/recovery.ts), without a server.
import assert from 'assert'
import { planRecovery } from '../../src/realtime/recovery'

describe('unit: recovery plan', () => {
  it('without since: a fresh subscription at the latest seq', () => {
    assert.deepStrictEqual(planRecovery(undefined, { latest: 7, pruned: 0 }), { kind: 'fresh', latest: 7 })
  })

  it('replays (since, latest] while since is within the retained log', () => {
    assert.deepStrictEqual(planRecovery(3, { latest: 7, pruned: 2 }), { kind: 'replay', since: 3, latest: 7 })
    // Exactly at the pruned boundary: every event after it is still there.
    assert.deepStrictEqual(planRecovery(2, { latest: 7, pruned: 2 }), { kind: 'replay', since: 2, latest: 7 })
    // Up to date: an empty replay, still recovered.
    assert.deepStrictEqual(planRecovery(7, { latest: 7, pruned: 2 }), { kind: 'replay', since: 7, latest: 7 })
    assert.deepStrictEqual(planRecovery(0, { latest: 0, pruned: 0 }), { kind: 'replay', since: 0, latest: 0 })
  })

  it('resets when since is older than the retained log or newer than anything logged', () => {
    assert.deepStrictEqual(planRecovery(1, { latest: 7, pruned: 2 }), { kind: 'reset', latest: 7 })
    assert.deepStrictEqual(planRecovery(8, { latest: 7, pruned: 2 }), { kind: 'reset', latest: 7 })
  })
})
