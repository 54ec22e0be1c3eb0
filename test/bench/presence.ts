// npm run bench:presence - what one presence change costs the server with 10, 100 and 1,000 users
// present in the room (issue 12): it must stay flat (no scan of the room per change).
//
// Measured on the real modules (src/realtime/presence*.ts), in this process, without sockets: a
// Presence whose room holds N entries (N users, each with a socket of this instance), then K cycles
// of one more user joining and leaving - each a join and a leave of the cluster-wide view, with the
// message to the other instances built. Beside it, in the same run, the same cycles when another
// instance holds the newcomer (its `part` messages applied), and what a design that re-read the
// room's list on every change would add (`list` per change: O(N)), for the ratio. What it leaves
// out on purpose: the room broadcast itself (socket.io's fan-out, O(sockets) for any event, measured
// by bench:fanout) and the subscribe ack's list (O(N) by contract: it is the list).
import fs from 'fs'
import path from 'path'
import { Presence, userIdentity } from '../../src/realtime/presence'
import type { PresenceEntry } from '../../src/realtime'

const SIZES = [10, 100, 1000]
const CYCLES = Number(process.env.BENCH_PRESENCE_CYCLES ?? 20_000)
const RUNS = Number(process.env.BENCH_PRESENCE_RUNS ?? 5)
const PROJECT = 1
const NEWCOMERS = 1000

interface Sample {
  /** µs of CPU per change (a join or a leave), median over the runs */
  localUs: number
  remoteUs: number
  scanUs: number
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

/** CPU µs (user + system) per change over `changes` changes of `work`. */
function cpuPerChange(changes: number, work: () => void) {
  const before = process.cpuUsage()
  work()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / changes
}

/** A presence whose room holds `present` users, each with one socket of this instance. */
function roomOf(present: number) {
  const presence = new Presence({ instance: 'bench', graceMs: 5000, intervalMs: 30_000 })
  for (let i = 0; i < present; i++) {
    presence.local.joined(PROJECT, `socket-${i}`, userIdentity({ id: i + 1, email: `user${i + 1}@example.test` }))
  }
  if (presence.list(PROJECT).length !== present) throw new Error('the room was not filled')
  return presence
}

function measure(present: number): Sample {
  const presence = roomOf(present)
  // Each cycle another user comes and goes (users outside the room, made beforehand).
  const newcomers = Array.from({ length: NEWCOMERS }, (_, i) =>
    userIdentity({ id: present + 1 + i, email: `newcomer${i}@example.test` })
  )
  const since = new Date().toISOString()
  const parts: PresenceEntry[] = newcomers.map((identity) => ({ ...identity, connections: 1, since }))
  let socket = 0
  const local = () => {
    for (let i = 0; i < CYCLES; i++) {
      const id = `newcomer-${socket++}`
      presence.local.joined(PROJECT, id, newcomers[i % NEWCOMERS])
      presence.local.left(PROJECT, id, false)
    }
  }
  const remote = () => {
    for (let i = 0; i < CYCLES; i++) {
      presence.view.set('peer', PROJECT, parts[i % NEWCOMERS].key, parts[i % NEWCOMERS])
      presence.view.set('peer', PROJECT, parts[i % NEWCOMERS].key, null)
    }
  }
  const scan = () => {
    for (let i = 0; i < CYCLES; i++) {
      presence.view.set('peer', PROJECT, parts[i % NEWCOMERS].key, parts[i % NEWCOMERS])
      presence.list(PROJECT)
      presence.view.set('peer', PROJECT, parts[i % NEWCOMERS].key, null)
      presence.list(PROJECT)
    }
  }
  // One warm-up of each, then the runs interleaved so load on the machine hits all three alike.
  for (const work of [local, remote, scan]) work()
  const runs: Sample[] = []
  for (let run = 0; run < RUNS; run++) {
    runs.push({
      localUs: cpuPerChange(2 * CYCLES, local),
      remoteUs: cpuPerChange(2 * CYCLES, remote),
      scanUs: cpuPerChange(2 * CYCLES, scan)
    })
  }
  if (presence.list(PROJECT).length !== present) throw new Error('the cycles left the room changed')
  presence.stop()
  return {
    localUs: median(runs.map((run) => run.localUs)),
    remoteUs: median(runs.map((run) => run.remoteUs)),
    scanUs: median(runs.map((run) => run.scanUs))
  }
}

function main() {
  const results = SIZES.map((present) => ({ present, ...measure(present) }))
  const base = results[0]
  const round = (value: number) => Math.round(value * 1000) / 1000
  const cases = results.map((result) => ({
    present: result.present,
    local_change_cpu_us: round(result.localUs),
    peer_change_cpu_us: round(result.remoteUs),
    with_list_per_change_cpu_us: round(result.scanUs),
    local_ratio_to_10: round(result.localUs / base.localUs),
    peer_ratio_to_10: round(result.remoteUs / base.remoteUs),
    with_list_ratio_to_10: round(result.scanUs / base.scanUs)
  }))
  console.log(`presence: CPU per change (a join or a leave), median of ${RUNS} runs of ${CYCLES} join+leave cycles`)
  console.table(
    cases.map((entry) => ({
      present: entry.present,
      'this instance (µs)': entry.local_change_cpu_us,
      'x vs 10': entry.local_ratio_to_10,
      'from a peer (µs)': entry.peer_change_cpu_us,
      'x vs 10 ': entry.peer_ratio_to_10,
      'list per change (µs)': entry.with_list_per_change_cpu_us,
      'x vs 10  ': entry.with_list_ratio_to_10
    }))
  )
  const report = {
    generated_at: new Date().toISOString(),
    node: process.version,
    cycles: CYCLES,
    runs: RUNS,
    measured:
      'CPU (user+system) per presence change in src/realtime/presence*.ts with N users present in the room: ' +
      "a socket of this instance joining/leaving (local), the same change arriving as a peer's part message " +
      '(peer), and the peer change followed by a read of the whole list (what a scan per change would cost)',
    cases
  }
  const file = path.join(__dirname, '..', '..', 'evidence', 'bench', 'presence.json')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
  console.log(`written ${path.relative(process.cwd(), file)}`)
}

main()
