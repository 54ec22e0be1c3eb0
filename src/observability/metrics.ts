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

  readonly connects = new Counter({
    name: 'vibecode_connects_total',
    help: 'Sockets connected to this instance, by first transport',
    labelNames: ['transport'],
    registers: this.register
  })
  readonly disconnects = new Counter({
    name: 'vibecode_disconnects_total',
    help: "Sockets disconnected from this instance, by socket.io's reason",
    labelNames: ['reason'],
    registers: this.register
  })
  readonly subscribeRequests = new Counter({
    name: 'vibecode_subscribe_requests_total',
    help: 'subscribe requests (event or subscriptions service), by outcome: ok or the error code',
    labelNames: ['outcome'],
    registers: this.register
  })
  readonly published = new Counter({
    name: 'vibecode_room_events_published_total',
    help: 'Project room events handed to the adapter on this instance, by event name',
    labelNames: ['event'],
    registers: this.register
  })
  readonly deliveries = new Counter({
    name: 'vibecode_room_event_deliveries_total',
    help: "Recipients of project room events: the room's sockets on this instance when it was sent",
    labelNames: ['event'],
    registers: this.register
  })
  readonly broadcastSeconds = new Histogram({
    name: 'vibecode_broadcast_duration_seconds',
    help: 'From publishing a project event to handing it to the adapter (lane wait and log append included)',
    buckets: FAST_BUCKETS,
    registers: this.register
  })
  readonly appendSeconds = new Histogram({
    name: 'vibecode_event_log_append_duration_seconds',
    help: 'One event log append (numbering and storing an event)',
    buckets: FAST_BUCKETS,
    registers: this.register
  })
  readonly resumes = new Counter({
    name: 'vibecode_resumes_total',
    help: 'subscribe with since: recovered (replayed) or reset (the log no longer had everything)',
    labelNames: ['outcome'],
    registers: this.register
  })
  readonly replayed = new Counter({
    name: 'vibecode_replayed_events_total',
    help: 'Logged events replayed to resuming sockets',
    registers: this.register
  })
  readonly answers = new Counter({
    name: 'vibecode_model_answers_total',
    help: 'Messages answered, by provider and outcome: completed, or the error code',
    labelNames: ['provider', 'outcome'],
    registers: this.register
  })
  readonly tokens = new Counter({
    name: 'vibecode_model_tokens_total',
    help: 'Tokens of completed answers as the provider reported them, by kind: input or output',
    labelNames: ['provider', 'kind'],
    registers: this.register
  })
  readonly testRuns = new Counter({
    name: 'vibecode_test_runs_total',
    help: 'Test runs ended, by status',
    labelNames: ['status'],
    registers: this.register
  })
  readonly httpRequests = new Counter({
    name: 'vibecode_http_requests_total',
    help: 'REST requests, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    registers: this.register
  })
  readonly httpSeconds = new Histogram({
    name: 'vibecode_http_request_duration_seconds',
    help: 'REST request duration, by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: HTTP_BUCKETS,
    registers: this.register
  })

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
