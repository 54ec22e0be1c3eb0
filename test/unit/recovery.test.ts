// The replay decision of a resuming subscriber (src/realtime/recovery.ts), without a server.
import assert from 'assert'
import { planRecovery } from '../../src/realtime/recovery'

const state = (latest: number, pruned: number, epoch = 'e1') => ({ latest, pruned, epoch })

describe('unit: recovery plan', () => {
  it('without since: a fresh subscription at the latest seq', () => {
    assert.deepStrictEqual(planRecovery(undefined, undefined, state(7, 0)), { kind: 'fresh', latest: 7 })
    assert.deepStrictEqual(planRecovery(undefined, 'other', state(7, 0)), { kind: 'fresh', latest: 7 })
  })

  it('replays (since, latest] while since is within the retained log of the same epoch', () => {
    assert.deepStrictEqual(planRecovery(3, 'e1', state(7, 2)), { kind: 'replay', since: 3, latest: 7 })
    // No epoch sent (an older client): the seq alone decides.
    assert.deepStrictEqual(planRecovery(3, undefined, state(7, 2)), { kind: 'replay', since: 3, latest: 7 })
    // Exactly at the pruned boundary: every event after it is still there.
    assert.deepStrictEqual(planRecovery(2, 'e1', state(7, 2)), { kind: 'replay', since: 2, latest: 7 })
    // Up to date: an empty replay, still recovered.
    assert.deepStrictEqual(planRecovery(7, 'e1', state(7, 2)), { kind: 'replay', since: 7, latest: 7 })
    assert.deepStrictEqual(planRecovery(0, 'e1', state(0, 0)), { kind: 'replay', since: 0, latest: 0 })
  })

  it('resets when since is older than the retained log or newer than anything logged', () => {
    assert.deepStrictEqual(planRecovery(1, 'e1', state(7, 2)), { kind: 'reset', latest: 7 })
    assert.deepStrictEqual(planRecovery(8, 'e1', state(7, 2)), { kind: 'reset', latest: 7 })
  })

  it('resets when since belongs to another epoch, even if the seq would fit', () => {
    assert.deepStrictEqual(planRecovery(3, 'e0', state(7, 0)), { kind: 'reset', latest: 7 })
  })
})
