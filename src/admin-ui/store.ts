// Where the Admin UI's login sessions live when the server is clustered (REDIS_URL): in Redis, so
// a UI reloaded against another instance is still logged in. The package's own RedisStore speaks
// the callback API of redis 3; this is the same store on redis 4 (the client the adapter uses).
// Alone, the package's InMemoryStore does.
import { createClient } from 'redis'

/** A logged-in UI's session id lasts this long (the package's default). */
const SESSION_TTL_S = 86_400

export class RedisSessionStore {
  private readonly client: ReturnType<typeof createClient>

  constructor(
    url: string,
    private readonly prefix: string,
    private readonly log: (message: string) => void
  ) {
    this.client = createClient({ url })
    this.client.on('error', (error) => log(`admin-ui session store: ${String(error)}`))
  }

  private key(sessionId: string) {
    return `${this.prefix}:admin-ui:session:${sessionId}`
  }

  connect() {
    return this.client.connect().then(() => undefined)
  }

  /** Redis unreachable: no session (the UI asks for the password again). */
  async doesSessionExist(sessionId: string): Promise<boolean> {
    if (typeof sessionId !== 'string' || sessionId.length > 64) return false
    return this.client.exists(this.key(sessionId)).then(
      (count) => count === 1,
      () => false
    )
  }

  saveSession(sessionId: string): void {
    this.client
      .set(this.key(sessionId), '1', { EX: SESSION_TTL_S })
      .catch((error) => this.log(`admin-ui session not saved: ${String(error)}`))
  }

  async close() {
    await this.client.quit().catch(() => undefined)
  }
}
