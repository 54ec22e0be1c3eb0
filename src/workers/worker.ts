// A worker of WORKERS > 1: a full app that does not listen. The primary holds the port and hands
// each connection over (@socket.io/sticky: a long-polling session's requests all reach the worker
// that holds its sid); the app tells the primary when it is ready for them.
import http from 'http'
import { setupWorker } from '@socket.io/sticky'
import type { Application } from '../declarations'
import { WORKER_READY } from './role'
import { bindBeforeAnswer } from './sticky-bind'

export async function serveWorker(app: Application) {
  const server = http.createServer(app.callback())
  // Not app.server: koa's teardown would close a server that never listened, and fail.
  await app.setup(server)
  bindBeforeAnswer(app.io, setupWorker)
  process.send?.({ type: WORKER_READY })
  return server
}
