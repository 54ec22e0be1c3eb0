// GET /metrics: Prometheus metrics with prom-client. The process's own (memory, CPU, event-loop
// lag, GC) come from prom-client's default collectors, registered once per process; the app's are
// named vibecode_* and live in a registry per app (tests run many apps in one process).
//
// Labels stay bounded: an event name, a provider, an outcome, a status, a route pattern - never a
// project id, user id or socket id. Gauges are read when scraped, from the live figures.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The figures gauges read at scrape time. */
export interface MetricSources {
  /** Sockets connected to this instance. */
  connections(): number
  /** The cluster's sum and instance count (without Redis: this instance's). */
  cluster(): { connections: number; instances: number }
  /** Socket memberships in project rooms, and rooms with a socket, on this instance. */
  subscriptions(): { sockets: number; rooms: number }
  answerQueue(): { waiting: number; running: number }
  testRunQueue(): { waiting: number; running: number }
  draining(): boolean
}

let processRegistry: Registry | undefined

/** prom-client's process metrics: one set per process, however many apps it runs. */
function processMetrics() {
  if (!processRegistry) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export class Metrics {
  readonly registry = new Registry()
  private readonly register = [this.registry]

  readonly connects = this.counter(
    'vibecode_connects_total',
    'Sockets connected to this instance, by first transport',
    ['transport']
  )
  readonly disconnects = this.counter(
    'vibecode_disconnects_total',
    "Sockets disconnected from this instance, by socket.io's reason",
    ['reason']
  )
  readonly subscribeRequests = this.counter(
    'vibecode_subscribe_requests_total',
    'subscribe requests (event or subscriptions service), by outcome: ok or the error code',
    ['outcome']
  )
  readonly published = this.counter(
    'vibecode_room_events_published_total',
    'Project room events handed to the adapter on this instance, by event name',
    ['event']
  )
  readonly deliveries = this.counter(
    'vibecode_room_event_deliveries_total',
    "Recipients of project room events: the room's sockets on this instance when it was sent",
    ['event']
  )
  readonly broadcastSeconds = this.histogram(
    'vibecode_broadcast_duration_seconds',
    'From publishing a project event to handing it to the adapter (lane wait and log append included)',
    FAST_BUCKETS,
    []
  )
  readonly appendSeconds = this.histogram(
    'vibecode_event_log_append_duration_seconds',
    'One event log append (numbering and storing an event)',
    FAST_BUCKETS,
    []
  )
  readonly resumes = this.counter(
    'vibecode_resumes_total',
    'subscribe with since: recovered (replayed) or reset (the log no longer had everything)',
    ['outcome']
  )
  readonly replayed = this.counter('vibecode_replayed_events_total', 'Logged events replayed to resuming sockets')
  readonly answers = this.counter(
    'vibecode_model_answers_total',
    'Messages answered, by provider and outcome: completed, or the error code',
    ['provider', 'outcome']
  )
  readonly tokens = this.counter(
    'vibecode_model_tokens_total',
    'Tokens of completed answers as the provider reported them, by kind: input or output',
    ['provider', 'kind']
  )
  readonly testRuns = this.counter('vibecode_test_runs_total', 'Test runs ended, by status', ['status'])
  readonly httpRequests = this.counter(
    'vibecode_http_requests_total',
    'REST requests, by route pattern, method and status',
    ['route', 'method', 'status']
  )
  readonly httpSeconds = this.histogram(
    'vibecode_http_request_duration_seconds',
    'REST request duration, by route pattern, method and status',
    HTTP_BUCKETS,
    ['route', 'method', 'status']
  )

  constructor(sources: MetricSources) {
    this.gauge('vibecode_connections', 'Sockets connected to this instance', () => sources.connections())
    this.gauge(
      'vibecode_cluster_connections',
      "Sockets connected to the whole cluster, as of this instance's last heartbeat",
      () => sources.cluster().connections
    )
    this.gauge(
      'vibecode_cluster_instances',
      'Instances that answered the last count',
      () => sources.cluster().instances
    )
    this.gauge('vibecode_subscriptions', 'Socket memberships in project rooms on this instance', () => {
      return sources.subscriptions().sockets
    })
    this.gauge('vibecode_project_rooms', 'Project rooms with a socket on this instance', () => {
      return sources.subscriptions().rooms
    })
    this.gauge('vibecode_answer_queue_depth', 'Messages waiting for a model stream', () => {
      return sources.answerQueue().waiting
    })
    this.gauge('vibecode_answers_running', 'Model answers streaming now', () => sources.answerQueue().running)
    this.gauge('vibecode_test_run_queue_depth', 'Test runs queued', () => sources.testRunQueue().waiting)
    this.gauge('vibecode_test_runs_running', 'Test runs running now', () => sources.testRunQueue().running)
    this.gauge('vibecode_draining', '1 while the instance drains for shutdown', () => (sources.draining() ? 1 : 0))
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[] = []) {
    return new Counter<L>({ name, help, labelNames, registers: this.register })
  }

  private histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: L[] = []) {
    return new Histogram<L>({ name, help, labelNames, buckets, registers: this.register })
  }

  /** A gauge without labels, read when scraped. */
  private gauge(name: string, help: string, read: () => number) {
    return new Gauge({
      name,
      help,
      registers: this.register,
      collect() {
        this.set(read())
      }
    })
  }

  get contentType() {
    return this.registry.contentType
  }

  /** The text a scrape gets: the process's metrics, then the app's. */
  async render(): Promise<string> {
    return (await processMetrics().metrics()) + '\n' + (await this.registry.metrics())
  }
}
