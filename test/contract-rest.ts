// Checks a REST answer against the OpenAPI document the server serves: the response schema of
// its route, method and status (dereferenced by swagger-parser, compiled by Ajv). Used by
// test/contract-openapi.test.ts; test/interop/seed_flow.py does the same from Python.
import SwaggerParser from '@apidevtools/swagger-parser'
import { Ajv, addFormats } from '@feathersjs/schema'

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }
type Document = { paths: Record<string, Record<string, Operation>> }

export async function restChecker(served: unknown) {
  // swagger-parser resolves the $refs in place: give it a copy.
  const document = (await SwaggerParser.dereference(JSON.parse(JSON.stringify(served)))) as unknown as Document
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }), ['date-time', 'uri', 'uuid'])

  /** What is wrong with `body` as the `status` answer of `verb template` ([] when it matches). */
  return function problems(verb: string, template: string, status: number, body: unknown): string[] {
    const operation = document.paths[template]?.[verb.toLowerCase()]
    if (!operation) return [`${verb} ${template} is not in the document`]
    const schema = operation.responses?.[String(status)]?.content?.['application/json']?.schema
    if (!schema) return [`${verb} ${template} has no JSON answer ${status} in the document`]
    const validate = ajv.compile(schema)
    if (validate(body)) return []
    return (validate.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message}`)
  }
}
