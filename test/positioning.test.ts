// Stream epochs and positioning (src/realtime/positioning.ts, stream-state.ts): a `since` from
// another stream is never "recovered", and rooms hear where their stream stands, so a client that
// missed an event - however it was lost - resubscribes and gets it.
import assert from 'assert'
import type { TestServer } from './helpers'
import {
  connected,
  createProject,
  createSession,
  recordEvents,
  startTestServer,
  subscribe,
  until,
  waitForEvent
} from './helpers'
import { createClient } from '../src/client'

describe('stream epochs and positioning', function () {
  this.timeout(20_000)
  let server: TestServer

  before(async () => {
    server = await startTestServer({ positionIntervalMs: 200 })
  })
  after(() => server.stop())

  it('a since from another epoch (the log reset) is answered with a reset, not a replay', async () => {
    const project = await createProject(server)
    await createSession(server, project.id)
    const socket = await connected(server.socket())
    const first = await subscribe(socket, project.id)
    assert.strictEqual(first.seq, 2)

    // The stream starts again (a restored database, a re-created project): seqs from 1, a new epoch.
    await server.app.realtime.streams.eventLog!.restart(project.id)
    for (let i = 0; i < 3; i++) await createSession(server, project.id)

    const again = await connected(server.socket())
    const ack = await again
      .timeout(5000)
      .emitWithAck('subscribe', { project_id: project.id, since: 2, epoch: first.epoch })
    assert.notStrictEqual(ack.epoch, first.epoch)
    assert.strictEqual(ack.seq, 3)
    assert.strictEqual(ack.recovered, false, 'seq 2 of the old stream is not seq 2 of the new one')
    // The same since within the new epoch is a plain replay.
    const third = await connected(server.socket())
    const fine = await third
      .timeout(5000)
      .emitWithAck('subscribe', { project_id: project.id, since: 2, epoch: ack.epoch })
    assert.deepStrictEqual([fine.recovered, fine.replayed], [true, 1])
  })

  it('rooms hear stream_position with the latest seq and epoch', async () => {
    const project = await createProject(server)
    const socket = await connected(server.socket())
    const ack = await subscribe(socket, project.id)
    const position = await waitForEvent<{ project_id: number; seq: number; epoch: string }>(socket, 'stream_position')
    assert.deepStrictEqual(position, { project_id: project.id, seq: ack.seq, epoch: ack.epoch })
  })

  it('an event logged but never sent reaches a raw client following the recipe, and the typed client by itself', async () => {
    const project = await createProject(server)
    // The raw recipe: remember the last seq; on stream_position ahead of it, subscribe with since.
    const raw = await connected(server.socket())
    const rawEvents = recordEvents(raw)
    let last = (await subscribe(raw, project.id)).seq as number
    raw.on('stream_position', async (position: { seq: number; epoch: string }) => {
      if (position.seq <= last) return
      const ack = await raw
        .timeout(5000)
        .emitWithAck('subscribe', { project_id: project.id, since: last, epoch: position.epoch })
      last = ack.seq
    })
    const typedSocket = await connected(server.socket())
    const typed = createClient(typedSocket, { logger: { debug: () => undefined, warn: () => undefined } })
    const seen: number[] = []
    typed.rooms.on('test_result', (event) => seen.push(event.seq!))
    await typed.rooms.subscribe(project.id)

    // Logged (as every event is before it is sent) but lost on the way: nobody received it live.
    const lostSeq = await server.app.realtime.streams.eventLog!.append(project.id, 'test_result', {
      type: 'test_result',
      project_id: project.id,
      run_id: 1,
      name: 'lost on the way',
      ok: true,
      skipped: false
    })
    await until(() => seen.includes(lostSeq), 'the typed client fills the hole by itself')
    await until(
      () => rawEvents.some((e) => e.event === 'test_result' && e.payload.seq === lostSeq),
      'the raw client fills it by the recipe'
    )
    // Once each: the hole is filled, nothing doubled.
    assert.deepStrictEqual(seen, [lostSeq])
    assert.strictEqual(rawEvents.filter((e) => e.event === 'test_result').length, 1)
  })
})
