// The REST routes that are koa middleware, not Feathers services (koa keeps no list of its
// middleware to read them from): health, metrics, the debug page and the contract itself.
import { Type } from '@feathersjs/typebox'
import { errorResponse } from './openapi-components'
import type { Components } from './openapi-components'
import { liveSchema, readinessSchema } from './openapi-shapes'

const text = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: { type: 'string' } } }
})
const jsonOf = (schema: unknown, description: string) => ({
  description,
  content: { 'application/json': { schema } }
})
// Open to everyone, in both AUTH modes.
const open = { security: [] }
const document = Type.Object({}, { additionalProperties: true })

export function koaRoutes(components: Components) {
  const get = (tag: string, summary: string, responses: Record<string, unknown>, extra: object = open) => ({
    get: { tags: [tag], summary, operationId: `GET ${summary.split(':')[0]}`, responses, ...extra }
  })
  return [
    {
      path: '/health/live',
      operations: get('operations', '/health/live: 200 while the process answers', {
        200: jsonOf(components.use(liveSchema), 'alive')
      })
    },
    {
      path: '/health/ready',
      operations: get(
        'operations',
        '/health/ready: whether this instance can serve (database, migrations, Redis, drain)',
        {
          200: jsonOf(components.use(readinessSchema), 'ready'),
          503: jsonOf(components.use(readinessSchema), 'not ready: `not_ready` names the checks')
        }
      )
    },
    {
      path: '/metrics',
      operations: get(
        'operations',
        '/metrics: Prometheus text (METRICS_TOKEN as bearer, or a loopback client)',
        {
          200: text('text/plain', 'Prometheus exposition format'),
          401: errorResponse('METRICS_TOKEN is set and the bearer token is not it', components),
          403: errorResponse('AUTH=required, no METRICS_TOKEN, and the client is not on loopback', components)
        },
        { security: [{ metricsToken: [] }, {}] }
      )
    },
    {
      path: '/openapi.json',
      operations: get('contract', '/openapi.json: this document', { 200: jsonOf(document, 'OpenAPI 3.1') })
    },
    {
      path: '/asyncapi.json',
      operations: get('contract', '/asyncapi.json: the socket.io events (AsyncAPI 3.0)', {
        200: jsonOf(document, 'AsyncAPI 3.0')
      })
    },
    {
      path: '/docs',
      operations: get('contract', '/docs: both documents, browsable', { 200: text('text/html', 'the page') })
    },
    {
      path: '/debug',
      operations: get('operations', '/debug: the page to watch a project live (?project=<id>)', {
        200: text('text/html', 'the page (its client asks for a token with AUTH=required)')
      })
    }
  ]
}
