// Background work that lives as long as the app: the vibecode answers and the test runs both
// recover what a previous process left unfinished once the app is set up (the database is
// migrated by then), and stop their running jobs before the app tears down (while the database
// and the project rooms are still there to record and announce how they ended).
import type { Application, NextFunction } from '../declarations'
import { recoversAtStart } from '../workers/role'

export interface AppLifecycle {
  recover(): Promise<void>
  stop(): Promise<void>
}

export function runWithApp(app: Application, work: AppLifecycle) {
  app.hooks({
    setup: [
      async (_context: unknown, next: NextFunction) => {
        await next()
        // With WORKERS > 1 only the first worker of a machine start recovers (src/workers/role.ts).
        if (recoversAtStart()) await work.recover()
      }
    ],
    teardown: [
      async (_context: unknown, next: NextFunction) => {
        await work.stop()
        await next()
      }
    ]
  })
}
