// The shapes OpenAPI needs besides the services' own record schemas: Feathers error JSON, a page
// of `find`, and the answers of the routes whose code has no TypeBox schema of its own
// (connections, health, authentication). Each is checked against the TypeScript type the code
// answers with (the `Matches` lines at the bottom), so a field added there and not here fails
// the type check instead of drifting.
import { Type } from '@feathersjs/typebox'
import type { Static, TSchema } from '@feathersjs/typebox'
import type { FeathersErrorJSON } from '@feathersjs/errors'
import type { ConnectionsReport } from '../realtime/services'
import type { CheckResult } from '../observability/health'
import { userSchema } from '../services/users/users.schema'

/** What every error answer is: `FeathersError.toJSON()` (REST bodies and socket acks alike). */
export const errorSchema = Type.Object(
  {
    name: Type.String({ description: 'Feathers error class name, e.g. BadRequest' }),
    message: Type.String(),
    code: Type.Integer({ minimum: 400, maximum: 599, description: 'the HTTP status' }),
    className: Type.String({ description: 'kebab-case name, e.g. bad-request' }),
    data: Type.Optional(Type.Unknown({ description: 'details, e.g. the validation problems' })),
    errors: Type.Optional(Type.Unknown())
  },
  { $id: 'Error', additionalProperties: false }
)

/** `find` on a paginated service: one page of records. */
export const pageOf = (record: TSchema) =>
  Type.Object(
    {
      total: Type.Integer({ minimum: 0 }),
      limit: Type.Integer({ minimum: 0 }),
      skip: Type.Integer({ minimum: 0 }),
      data: Type.Array(record)
    },
    { additionalProperties: false }
  )

export const connectionsReportSchema = Type.Object(
  {
    active_connections: Type.Integer({ minimum: 0 }),
    rooms: Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.Integer({ minimum: 0 }), {
      description: 'project id -> sockets subscribed to it (a project nobody follows is not listed)'
    }),
    instance: Type.String(),
    instances: Type.Integer({ minimum: 1 }),
    instance_connections: Type.Integer({ minimum: 0 }),
    complete: Type.Boolean({ description: 'false when an instance did not answer within 1 s' }),
    peak_connections: Type.Integer({ minimum: 0 }),
    connects_total: Type.Integer({ minimum: 0 }),
    disconnects_total: Type.Integer({ minimum: 0 })
  },
  { $id: 'ConnectionsReport', additionalProperties: false }
)

const checkResult = Type.Union([
  Type.Literal('ok'),
  Type.Literal('down'),
  Type.Literal('pending'),
  Type.Literal('draining')
])

export const liveSchema = Type.Object({ status: Type.Literal('live') }, { $id: 'Live', additionalProperties: false })

export const readinessSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
    checks: Type.Record(Type.String(), checkResult),
    not_ready: Type.Array(Type.String())
  },
  { $id: 'Readiness', additionalProperties: false }
)

export const authenticationDataSchema = Type.Union(
  [
    Type.Object(
      { strategy: Type.Literal('local'), email: Type.String(), password: Type.String() },
      { additionalProperties: false, description: 'log in with email and password' }
    ),
    Type.Object(
      { strategy: Type.Literal('jwt'), accessToken: Type.String() },
      { additionalProperties: false, description: 'check (or, on a socket, attach) an access token' }
    ),
    Type.Object(
      { strategy: Type.Literal('platform-jwt'), accessToken: Type.String() },
      { additionalProperties: false, description: 'a platform token (only with AUTH_JWT_PUBLIC_KEY)' }
    )
  ],
  { $id: 'AuthenticationData' }
)

export const authenticationResultSchema = Type.Object(
  {
    accessToken: Type.String({ description: 'send it as Authorization: Bearer <accessToken>' }),
    authentication: Type.Object(
      {
        strategy: Type.String(),
        accessToken: Type.Optional(Type.String()),
        payload: Type.Optional(Type.Record(Type.String(), Type.Unknown()))
      },
      { additionalProperties: false }
    ),
    user: userSchema
  },
  { $id: 'AuthenticationResult', additionalProperties: false }
)

// Compile-time agreement between these schemas and the types the code answers with.
type Matches<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
const agree = <T extends true>(value: T) => value
agree<Matches<Static<typeof connectionsReportSchema>, ConnectionsReport>>(true)
agree<Matches<Static<typeof checkResult>, CheckResult>>(true)
agree<Matches<Required<Static<typeof errorSchema>>['code'], FeathersErrorJSON['code']>>(true)
