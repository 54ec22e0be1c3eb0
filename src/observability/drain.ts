// Draining for shutdown (SIGTERM, src/index.ts), before the app tears down as it always did:
//  1. /health/ready answers 503 at once, so the load balancer stops sending new clients;
//  2. new sockets are refused at the engine.io handshake (the realtime plugin's refuseConnections):
//     a refused client retries with backoff and lands on another instance;
//  3. connected clients are closed at the transport level, as Realtime.close() does at teardown:
//     socket.io clients take "transport close" as a reason to reconnect (elsewhere) and resume
//     with `since`, where a server-side DISCONNECT would keep them away for good;
//  4. running model answers and test runs get SHUTDOWN_GRACE_MS to finish; nothing new starts
//     meanwhile. Teardown then stops the queues as before: what still runs ends `interrupted`
//     (answers) or `cancelled` (test runs), what waits is marked too.
import type { Application } from '../declarations'
import type { BoundedJobQueue } from '../jobs/bounded-queue'

export class Drain {
  private started?: Promise<void>

  constructor(private readonly app: Application) {}

  /** True from the moment draining began. */
  get active() {
    return this.started !== undefined
  }

  /** Why a new socket is refused, while draining. */
  refusal(): string | undefined {
    return this.active ? 'Server is shutting down: reconnect to another instance' : undefined
  }

  /** Drains once; a second call waits for the first. */
  run(graceMs: number = this.app.get('shutdownGraceMs')): Promise<void> {
    this.started ??= this.drain(graceMs)
    return this.started
  }

  private async drain(graceMs: number) {
    const { app } = this
    const started = Date.now()
    app.logger.info({ grace_ms: graceMs, sockets: app.realtime.tracker.count }, 'draining: not ready, sockets closed')
    app.realtime.io?.engine.close()
    const queues: [string, Pick<BoundedJobQueue<unknown>, 'settle'> | undefined][] = [
      ['answers', app.vibecode?.queue],
      ['test runs', app.testRuns?.queue]
    ]
    const settled = await Promise.all(queues.map(([, queue]) => queue?.settle(graceMs) ?? true))
    const unfinished = queues.filter((_, index) => !settled[index]).map(([name]) => name)
    app.logger.info(
      { duration_ms: Date.now() - started, unfinished },
      unfinished.length > 0
        ? `drained: grace over with ${unfinished.join(' and ')} still running (they end interrupted)`
        : 'drained: nothing running'
    )
  }
}
