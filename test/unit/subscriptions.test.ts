import assert from 'assert'
import { BadRequest, NotFound } from '@feathersjs/errors'
import { errorPayload, parseProjectId } from '../../src/realtime/subscriptions'

describe('unit: subscription payloads', () => {
  it('accepts positive integers and their decimal strings', () => {
    assert.strictEqual(parseProjectId({ project_id: 5 }), 5)
    assert.strictEqual(parseProjectId({ project_id: '17' }), 17)
    assert.strictEqual(parseProjectId({ project_id: ' 8 ' }), 8)
  })

  it('rejects every other shape with a BadRequest naming the problem', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /needs a payload/],
      [null, /got null/],
      ['5', /got the string "5"/],
      [5, /got a number/],
      [[], /got an array/],
      [{}, /missing project_id/],
      [{ project_id: 0 }, /positive integer/],
      [{ project_id: Number.MAX_SAFE_INTEGER + 1 }, /positive integer/],
      [{ project_id: '1e3' }, /positive integer/],
      [{ project_id: NaN }, /positive integer/]
    ]
    for (const [payload, message] of cases) {
      assert.throws(
        () => parseProjectId(payload),
        (error: any) => error instanceof BadRequest && message.test(error.message)
      )
    }
  })

  it('names the event in its messages', () => {
    assert.throws(() => parseProjectId(undefined, 'unsubscribe'), /unsubscribe needs a payload/)
  })

  it('turns unexpected errors into a 500 without their internals', () => {
    assert.deepStrictEqual(errorPayload(new Error('SQLITE_BUSY at /secret/path')), {
      name: 'GeneralError',
      code: 500,
      message: 'Internal error while handling the request'
    })
    assert.strictEqual(errorPayload(new NotFound('gone')).code, 404)
  })
})
