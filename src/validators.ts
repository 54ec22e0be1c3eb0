// Shared Ajv instances, as the Feathers generator lays them out:
// data is validated strictly (a string is never coerced into a number),
// queries come from URLs, so their types are coerced.
import { Ajv, addFormats } from '@feathersjs/schema'
import type { FormatsPluginOptions } from '@feathersjs/schema'

const formats: FormatsPluginOptions = ['date-time', 'uri', 'uuid']

export const dataValidator: Ajv = addFormats(new Ajv({ allErrors: true }), formats)

export const queryValidator: Ajv = addFormats(new Ajv({ allErrors: true, coerceTypes: true }), formats)
