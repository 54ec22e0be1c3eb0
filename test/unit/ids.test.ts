// The one id rule (src/ids.ts) and the one parent check (src/hooks/route-id.ts).
import assert from 'assert'
import { NotFound } from '@feathersjs/errors'
import { existing, existingParent } from '../../src/hooks/route-id'
import { parseId } from '../../src/ids'

describe('unit: ids and parents', () => {
  it('parses positive integers and their decimal strings, blanks around them ignored', () => {
    assert.strictEqual(parseId(5), 5)
    assert.strictEqual(parseId('17'), 17)
    assert.strictEqual(parseId(' 8 '), 8)
    for (const bad of [
      0,
      -1,
      1.5,
      '1e3',
      '0x10',
      '',
      ' ',
      'abc',
      null,
      undefined,
      {},
      [],
      NaN,
      Number.MAX_SAFE_INTEGER + 1
    ]) {
      assert.strictEqual(parseId(bad), undefined, `parseId(${JSON.stringify(bad)})`)
    }
  })

  it('names a missing parent and passes other errors on', async () => {
    const missing = async () => {
      throw new NotFound('No record found for id 3')
    }
    await assert.rejects(existing('Project', 3, missing), { name: 'NotFound', message: 'Project 3 does not exist' })
    const broken = async () => {
      throw new Error('connection refused')
    }
    await assert.rejects(existing('Project', 3, broken), { message: 'connection refused' })
    assert.deepStrictEqual(await existing('Project', 3, async (id) => ({ id })), { id: 3 })
  })

  it('reads the parent id of a nested route and checks it', async () => {
    const get = async (id: number) => {
      if (id !== 4) throw new NotFound()
      return { id }
    }
    assert.strictEqual(await existingParent({ route: { project_id: '4' } }, 'project_id', 'Project', get), 4)
    await assert.rejects(existingParent({ route: { project_id: '5' } }, 'project_id', 'Project', get), {
      message: 'Project 5 does not exist'
    })
    await assert.rejects(existingParent({ route: { project_id: 'x' } }, 'project_id', 'Project', get), {
      name: 'NotFound',
      message: 'Project x does not exist'
    })
  })
})
