// TypeBox schemas as OpenAPI 3.1 schema objects (JSON Schema 2020-12): named schemas (those with
// a `$id`) go to components.schemas once and are referred to by $ref; TypeBox's own symbol keys
// drop out in the JSON copy, and no nested `$id` is left to change where a $ref resolves.
import type { TSchema } from '@feathersjs/typebox'
import { errorSchema } from './openapi-shapes'

export type JsonSchema = Record<string, unknown>

export class Components {
  readonly schemas: Record<string, JsonSchema> = {}

  /** A $ref to the named schema (registered on first use), or the schema inline. */
  use(schema: TSchema, name = typeof schema.$id === 'string' ? schema.$id : undefined): JsonSchema {
    const plain = this.plain(schema)
    if (!name) return plain
    const known = this.schemas[name]
    if (known && JSON.stringify(known) !== JSON.stringify(plain)) {
      throw new Error(`two different schemas are named ${name}`)
    }
    this.schemas[name] = plain
    return { $ref: `#/components/schemas/${name}` }
  }

  /** JSON copy; named schemas nested inside become $refs too. */
  private plain(schema: TSchema, top = true): JsonSchema {
    const copy = JSON.parse(JSON.stringify(schema)) as JsonSchema
    return this.walk(copy, top) as JsonSchema
  }

  private walk(value: unknown, top: boolean): unknown {
    if (Array.isArray(value)) return value.map((item) => this.walk(item, false))
    if (!value || typeof value !== 'object') return value
    const object = value as JsonSchema
    if (!top && typeof object.$id === 'string') return this.use(object as TSchema)
    const out: JsonSchema = {}
    for (const [key, child] of Object.entries(object)) {
      if (key === '$id') continue
      // `properties` maps names to schemas: each is a schema, not the top.
      out[key] = this.walk(child, false)
    }
    return out
  }
}

/** An error answer: Feathers error JSON. */
export const errorResponse = (description: string, components: Components) => ({
  description,
  content: { 'application/json': { schema: components.use(errorSchema) } }
})
