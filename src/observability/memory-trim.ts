// Gives memory back while the server is quiet (MEMORY_TRIM_MS, every 2 s; 0: off).
//
// V8 grows the young generation (up to two 16 MB semi-spaces on 64-bit Node 20) under start-up's
// allocation and under any burst (a connection storm, a heartbeat to thousands), and shrinks it
// only in a garbage collection that finds the allocation rate low. A quiet server allocates
// almost nothing, so it has no collection at all and keeps the burst's size for ever: 33 MB of
// the 124 MB an idle server held, and of what it holds with 10,000 connected (issue 10). Here,
// every interval, a young-generation collection (a scavenge: about a millisecond when little is
// young) is asked for when the young generation is above its minimum; V8 itself decides whether
// to shrink it, by its allocation rate over the last 5 s, so a busy server keeps what it uses and
// a burst's growth is given back ~6 s after it ends (with a 10 s interval: 5 - 15 s). The first
// interval with no connection also runs one full collection: start-up's garbage in the old
// generation (~13 MB).
import v8 from 'v8'
import vm from 'vm'

type Collect = (options?: { type?: 'major' | 'minor' }) => void

/** The young generation's size at rest (one 1 MB semi-space and its twin; V8 11, 64-bit). */
const YOUNG_AT_REST_BYTES = 2 * 1024 * 1024

let collect: Collect | null | undefined

/** V8's gc(), without --expose-gc on the command line (a new context gets it; ours does not). */
function collector(): Collect | undefined {
  if (collect === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc')
      collect = vm.runInNewContext('gc') as Collect
    } catch {
      collect = null
    }
  }
  return collect ?? undefined
}

const youngBytes = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0

/**
 * Starts the trim; returns what stops it. `quiet` tells whether the server has no connection: the
 * one full collection waits for such an interval (a full collection pauses the event loop for as
 * long as the heap takes to mark, short at start-up's size, longer with thousands connected).
 */
export function startMemoryTrim(intervalMs: number, quiet: () => boolean = () => true): () => void {
  const gc = intervalMs > 0 ? collector() : undefined
  if (!gc) return () => undefined
  let first = true
  const timer = setInterval(() => {
    if (first && quiet()) {
      first = false
      gc() // a full collection (with options, V8 11's major one left the old generation's pages committed)
    } else if (youngBytes() > YOUNG_AT_REST_BYTES) gc({ type: 'minor' })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
