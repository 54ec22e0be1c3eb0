// GET /openapi.json: the REST contract as OpenAPI 3.1, built from the running app - every
// service registered in app.services with the methods it really offers (getServiceOptions), the
// TypeBox schemas its hooks validate with (openapi-services.ts), and the koa routes that are not
// services (openapi-routes.ts). Nothing in it depends on the port or the time: the same code
// builds the same document (evidence/contract/openapi.json is compared to it by a test).
import fs from 'fs'
import path from 'path'
import { getServiceOptions } from '@feathersjs/feathers'
import type { Application } from '../declarations'
import { Components, errorResponse } from './openapi-components'
import type { JsonSchema } from './openapi-components'
import { SERVICE_DOCS } from './openapi-services'
import type { RestMethod, ServiceDoc } from './openapi-services'
import { pageOf } from './openapi-shapes'
import { koaRoutes } from './openapi-routes'

// package.json sits two folders up from src/contract and from lib/contract alike.
const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  version: string
}

const HTTP: Record<RestMethod, { verb: string; withId: boolean; status: number }> = {
  find: { verb: 'get', withId: false, status: 200 },
  get: { verb: 'get', withId: true, status: 200 },
  create: { verb: 'post', withId: false, status: 201 },
  update: { verb: 'put', withId: true, status: 200 },
  patch: { verb: 'patch', withId: true, status: 200 },
  remove: { verb: 'delete', withId: true, status: 200 }
}

/** Answers every service method may give (the method's own are in its ServiceDoc). */
const COMMON_ERRORS: Record<number, string> = {
  400: 'bad input: the message names the problems (at most 20), `data` holds the details',
  401: 'AUTH=required and no valid token (or an expired one)',
  403: 'the caller’s role in the project does not allow it',
  429: 'a rate limit: `data.retry_after_ms`, and a Retry-After header',
  500: 'an internal error: a generic message, the detail stays in the server log'
}

const json = (schema: JsonSchema, description: string) => ({ description, content: { 'application/json': { schema } } })

/** `projects/:project_id/sessions` -> `/projects/{project_id}/sessions`, and its path parameters. */
function openApiPath(path: string) {
  const names: string[] = []
  const converted = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
    names.push(name)
    return `{${name}}`
  })
  return { path: `/${converted}`, names }
}

const pathParameter = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1, maximum: 2147483647 }
})

/**
 * The query as one object parameter (form style, exploded: each property is its own query
 * parameter), its schema the service's query validator's, named once in components.
 */
function queryParameters(doc: ServiceDoc, components: Components) {
  if (!doc.query) return []
  const name = `${typeof doc.record?.$id === 'string' ? doc.record.$id : doc.tag}Query`
  return [
    {
      name: 'query',
      in: 'query',
      required: false,
      style: 'form',
      explode: true,
      description:
        'Feathers query syntax: a field by name (`?status=failed`), operators in brackets (`?created_at[$gt]=…`, `?id[$in][]=1`), `$sort[name]=1`, `$limit` (up to 500), `$skip`, `$select[]=name`; unknown fields answer 400.',
      schema: components.use(doc.query, name)
    }
  ]
}

function successSchema(method: RestMethod, doc: ServiceDoc, components: Components): JsonSchema {
  if (method === 'find' && doc.findResult) {
    // Named by its $id, or its title (schemas shared with the socket events carry a title).
    const { $id, title } = doc.findResult
    return components.use(doc.findResult, typeof $id === 'string' ? $id : typeof title === 'string' ? title : undefined)
  }
  if (!doc.record) return {}
  const record = components.use(doc.record)
  return method === 'find' ? (JSON.parse(JSON.stringify(pageOf(record as never))) as JsonSchema) : record
}

function requestBody(method: RestMethod, doc: ServiceDoc, components: Components) {
  const schema = method === 'create' ? doc.data : method === 'patch' || method === 'update' ? doc.patch : undefined
  if (method !== 'create' && method !== 'patch' && method !== 'update') return undefined
  return {
    required: !(method === 'create' && doc.optionalBody),
    content: { 'application/json': { schema: schema ? components.use(schema) : {} } }
  }
}

/** The error statuses of a method, with why; `located`: the route names a record or a parent. */
function errorAnswers(method: RestMethod, doc: ServiceDoc, located: boolean): Record<number, string> {
  const errors: Record<number, string> = { ...COMMON_ERRORS }
  // A route anyone may call answers no "token missing" 401 (its own 401s are in its errors).
  if (doc.publicMethods?.includes(method)) delete errors[401]
  if (doc.socketOnly) {
    delete errors[403]
    return { ...errors, 400: doc.socketOnly }
  }
  if (located) errors[404] = 'no such record (or not a member of its project: the same 404)'
  return { ...errors, ...doc.errors?.[method] }
}

function operation(path: string, method: RestMethod, doc: ServiceDoc, components: Components) {
  const { names } = openApiPath(path)
  const withId = HTTP[method].withId && !doc.withoutId?.includes(method)
  const parameters = [...names, ...(withId ? [doc.idName ?? 'id'] : [])].map(pathParameter)
  if (method === 'find' || method === 'get') parameters.push(...(queryParameters(doc, components) as never[]))
  const responses: Record<string, unknown> = {}
  if (!doc.socketOnly) responses[HTTP[method].status] = json(successSchema(method, doc, components), 'the answer')
  for (const [status, description] of Object.entries(errorAnswers(method, doc, withId || names.length > 0))) {
    responses[status] = errorResponse(description, components)
  }
  const isPublic = doc.publicMethods?.includes(method)
  return {
    path: withId ? `${openApiPath(path).path}/{${doc.idName ?? 'id'}}` : openApiPath(path).path,
    verb: HTTP[method].verb,
    body: {
      tags: [doc.tag],
      summary: `${method} ${path}`,
      description: doc.summary,
      operationId: `${method}_${path}`.replace(/[^A-Za-z0-9]+/g, '_'),
      parameters,
      ...(requestBody(method, doc, components) ? { requestBody: requestBody(method, doc, components) } : {}),
      responses,
      security: isPublic ? [] : [{ bearerAuth: [] }]
    }
  }
}

/** The REST paths of every registered service, sorted, with the methods it offers. */
export function servicePaths(app: Application) {
  return Object.keys(app.services)
    .sort()
    .map((path) => ({
      path,
      methods: (getServiceOptions(app.service(path as never))?.methods ?? []).filter((m): m is RestMethod => m in HTTP)
    }))
}

export function openApiDocument(app: Application): Record<string, unknown> {
  const components = new Components()
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { path, methods } of servicePaths(app)) {
    const doc = SERVICE_DOCS[path] ?? {
      tag: 'undocumented',
      summary: `${path}: no schemas in src/contract/openapi-services.ts`
    }
    for (const method of methods) {
      const { path: route, verb, body } = operation(path, method, doc, components)
      paths[route] = { ...paths[route], [verb]: body }
    }
  }
  for (const route of koaRoutes(components)) paths[route.path] = { ...paths[route.path], ...route.operations }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vibecode-realtime REST',
      version,
      description:
        'REST side of the contract; the socket.io side is /asyncapi.json. Generated from the TypeBox schemas the services validate with.'
    },
    servers: [{ url: '/' }],
    tags: [...new Set(Object.values(SERVICE_DOCS).map((doc) => doc.tag)), 'operations', 'contract'].map((name) => ({
      name
    })),
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        metricsToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'GET /metrics only: the METRICS_TOKEN setting; without it, loopback clients may scrape'
        },
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The accessToken of POST /authentication. Required when the server runs with AUTH=required; with AUTH=off (loopback only) a request without it acts as the local user.'
        }
      }
    }
  }
}
