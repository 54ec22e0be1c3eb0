// What the primary tells each worker (WORKERS > 1) in its environment, and what a worker tells the
// primary back. Kept apart from the primary's code so the app can ask "do I recover at start?"
// without loading the primary.
import cluster from 'cluster'

/** The worker's place, 1..n; a restarted worker keeps the place of the one it replaces. */
export const WORKER_INDEX_ENV = 'VIBECODE_WORKER_INDEX'
/** Set to 1 for the first worker of a machine start only. */
export const WORKER_RECOVERS_ENV = 'VIBECODE_WORKER_RECOVERS'
/** A worker's message once its app is set up (migrated, recovered) and it takes connections. */
export const WORKER_READY = 'vibecode:worker-ready'

/** This worker's place (1..n), or undefined outside a cluster. */
export const workerIndex = () => (cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV]) || undefined : undefined)

/**
 * Whether this process marks what a previous start left unfinished (test runs, vibecode answers).
 * Alone: always. Among workers: only the first worker of a machine start - the others start after
 * it recovered, and a worker restarted after a crash must not mark the jobs the running workers
 * are still doing (what the crashed one was doing is marked at the next machine start).
 */
export const recoversAtStart = () => !cluster.isWorker || process.env[WORKER_RECOVERS_ENV] === '1'
