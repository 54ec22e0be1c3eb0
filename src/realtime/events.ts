// The catalog of socket events: every name the server emits or handles, with its payload type.
// The README's wire contract is written from this file; src/client.ts types its handlers with it.

// ---- Client -> server --------------------------------------------------------------------------

/**
 * Payload of `subscribe` and `unsubscribe`. `project_id` may also be the id's decimal string.
 * `since` (subscribe only): the last seq the client has; every logged event after it is replayed,
 * in order, before live events continue.
 */
export interface SubscriptionRequest {
  project_id: number | string
  since?: number
  /** The epoch the `since` belongs to (from an ack or `stream_position`); another one resets. */
  epoch?: string
}

/** Ack of `subscribe` / `unsubscribe` (or, without an ack callback, the `<event>_result` event). */
export type SubscriptionAck = SubscriptionOk | ErrorAck

export interface SubscriptionOk {
  ok: true
  project_id: number
  room: string
  /** true after subscribe; false after unsubscribe. */
  subscribed: boolean
  /** After unsubscribe: whether the socket was in the room. */
  was_subscribed?: boolean
  /** After subscribe: the project's latest seq when the subscription took effect. */
  seq?: number
  /** After subscribe: the epoch of the project's stream; send it back with `since` to resume. */
  epoch?: string
  /**
   * After subscribe with `since`: true when every event after `since` was replayed; false when
   * `since` is older than the retained log (or newer than the latest seq): refetch state over REST.
   */
  recovered?: boolean
  /** After subscribe with `since`: how many events were replayed before this ack. */
  replayed?: number
}

export interface ErrorAck {
  ok: false
  error: ErrorPayload
}

/** Errors carry Feathers' error JSON: name, HTTP-like code, message, optional data. */
export interface ErrorPayload {
  name: string
  code: number
  message: string
  data?: unknown
}

export const CONTROL_EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  subscribeResult: 'subscribe_result',
  unsubscribeResult: 'unsubscribe_result',
  heartbeat: 'heartbeat',
  subscriptionRevoked: 'subscription_revoked',
  authExpiring: 'auth_expiring',
  authExpired: 'auth_expired',
  streamPosition: 'stream_position'
} as const

/**
 * `stream_position` (to a project room, every POSITION_INTERVAL_MS and after the cluster's Redis
 * comes back): where the project's stream stands. A client whose last seq is lower, or whose epoch
 * differs, missed something: subscribe again with `since` (and `epoch`).
 */
export interface StreamPositionEvent {
  project_id: number
  seq: number
  epoch: string
}

/** `auth_expiring`: the socket's token expires at `expires_at`; send a fresh one in-band to keep its rooms. */
export interface AuthExpiringEvent {
  expires_at: string
}

/** `auth_expired`: the token expired; the socket left these project rooms and is anonymous now. */
export interface AuthExpiredEvent {
  expired_at: string
  project_ids: number[]
}

/**
 * `subscription_revoked`: the socket was taken out of a project room by the server - its member
 * was removed (`member_removed`), the project deleted (`project_removed`), its token expired
 * (`auth_expired`), or it logged in as another user (`auth_changed`). No further event of that
 * project reaches it.
 */
export interface SubscriptionRevokedEvent {
  project_id: number
  reason: 'member_removed' | 'project_removed' | 'auth_expired' | 'auth_changed'
}

// ---- Server -> every connected socket -----------------------------------------------------------

export interface HeartbeatEvent {
  type: 'heartbeat'
  /** Live sockets: on all instances when clustered over Redis. */
  connections: number
  timestamp: string
  /** The sending instance, its own sockets and how many instances answered the count. */
  instance: string
  instance_connections: number
  instances: number
  /** false when some instance did not answer (Redis down): `connections` is then a lower bound. */
  complete: boolean
  /** Project rooms with at least one socket on the sending instance. */
  rooms: number
  interval_ms: number
  uptime_s: number
}

// ---- Server -> a project room ----------------------------------------------------------------------

export interface TokenUsage {
  input_tokens: number
  output_tokens: number
  total_tokens: number
}

interface ProjectEventBase {
  project_id: number
}

export interface VibecodeResponseEvent extends ProjectEventBase {
  type: 'vibecode_response'
  session_id: number
  message_id: number
  patch: string
  token_usage: TokenUsage
  provider: string
  model: string
  duration_ms: number
}

export interface TokenUsageEvent extends ProjectEventBase, TokenUsage {
  type: 'token_usage'
  session_id: number
  message_id: number
  final: boolean
}

export interface VibecodeErrorEvent extends ProjectEventBase {
  type: 'vibecode_error'
  session_id: number
  message_id: number
  provider: string
  /** code: rate_limited | provider_error | timeout | stream_broken | no_diff | interrupted | internal */
  error: { code: string; message: string }
}

export interface TestStartedEvent extends ProjectEventBase {
  type: 'test_started'
  run_id: number
  command: string[]
  started_at: string
}

export interface TestOutputEvent extends ProjectEventBase {
  type: 'test_output'
  run_id: number
  stream: 'stdout' | 'stderr'
  lines: string[]
}

export interface TestResultEvent extends ProjectEventBase {
  type: 'test_result'
  run_id: number
  name: string
  ok: boolean
  skipped: boolean
  duration_ms?: number
}

export interface TestCompletedEvent extends ProjectEventBase {
  type: 'test_completed'
  run_id: number
  status: 'passed' | 'failed' | 'error' | 'timeout' | 'cancelled'
  exit_code: number | null
  passed: number
  failed: number
  skipped: number
  duration_ms: number
}

/** Typed events a producer publishes to a project room (the event name equals `type`). */
export interface ProjectEvents {
  vibecode_response: VibecodeResponseEvent
  token_usage: TokenUsageEvent
  vibecode_error: VibecodeErrorEvent
  test_started: TestStartedEvent
  test_output: TestOutputEvent
  test_result: TestResultEvent
  test_completed: TestCompletedEvent
}

export type ProjectEventName = keyof ProjectEvents

/**
 * Live-only events: high-rate progress that is broadcast (reliably, in order, like every event)
 * but not logged, so it carries no seq and is not replayed; its final values arrive in logged
 * events (`vibecode_response`, `test_completed`). Not socket.io's `volatile` flag, which may drop.
 */
export const LIVE_ONLY_EVENTS: ReadonlySet<string> = new Set<ProjectEventName>(['token_usage', 'test_output'])

/** What a logged room event carries besides its payload. */
export interface Sequenced {
  seq: number
}

/** What a producer passes: the payload without the fields the broadcast fills in. */
export type ProjectEventInput<K extends ProjectEventName> = Omit<ProjectEvents[K], 'type' | 'project_id'>
