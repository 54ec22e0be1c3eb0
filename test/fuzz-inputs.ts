// Inputs for the seeded fuzz test (test/fuzz.test.ts): REST requests and socket.io emits built
// from a small PRNG written here (mulberry32), so a seed always gives the same sequence and a
// failure can be replayed with FUZZ_SEED. What it aims at: path segments named after
// Object.prototype members, ids and paging values out of every range, garbage JSON, arrays, deep
// nesting, huge strings, unicode, broken percent-encoding, methods a service does not offer and
// calls with arguments missing. No generated string contains the words the test looks for in
// answers (SQL keywords, "sqlite", "node_modules"): an echo of the input must not read as a leak.

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG. */
export function prng(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (max: number) => Math.floor(next() * max)
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]
  const chance = (p: number) => next() < p
  return { next, int, pick, chance }
}
export type Random = ReturnType<typeof prng>

export const PROTOTYPE_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__'
]
const SERVICES = ['projects', 'sessions', 'messages', 'test-runs', 'users', 'members', 'authentication']
const OTHER_ROUTES = ['connections', 'subscriptions', 'debug', 'socket.io', 'metrics', 'health', '']
const NUMBERS = [0, 1, 2, -1, 1.5, 1e20, -1e20, 2147483647, 2147483648, 4294967296, 2 ** 53 + 2, 1e308]
const NUMBER_TEXTS = ['1e20', '-1', '0', '1.5', 'NaN', 'Infinity', '-0', '0x10', '99999999999', '2147483648', '1e-7']
const UNICODE = ['é', '日本語', '🔥', '\u202e', 'Ω≈ç', '\u200b', 'ﬀ']
const CHARS = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ0123456789-_.~'

export function word(r: Random, max = 12) {
  let text = ''
  const length = 1 + r.int(max)
  for (let i = 0; i < length; i++) text += CHARS[r.int(CHARS.length)]
  return text
}

/** A string: short, unicode, prototype names, numbers as text, or huge. */
export function text(r: Random, ids: number[]): string {
  switch (r.int(8)) {
    case 0:
      return r.pick(PROTOTYPE_NAMES)
    case 1:
      return r.pick(NUMBER_TEXTS)
    case 2:
      return r.pick(UNICODE) + word(r)
    case 3:
      return r.chance(0.1) ? 'x'.repeat(100_000 + r.int(50_000)) : 'y'.repeat(1000 + r.int(5000))
    case 4:
      return String(r.pick(ids))
    case 5:
      return ''
    default:
      return word(r)
  }
}

/** Any JSON value, nested up to `depth`. */
export function value(r: Random, ids: number[], depth = 3): unknown {
  const kind = r.int(depth > 0 ? 9 : 6)
  if (kind === 0) return null
  if (kind === 1) return r.chance(0.5)
  if (kind === 2) return r.pick(NUMBERS)
  if (kind === 3) return r.pick(ids)
  if (kind === 4 || kind === 5) return text(r, ids)
  if (kind === 6) return Array.from({ length: r.int(4) }, () => value(r, ids, depth - 1))
  if (kind === 7 && r.chance(0.2)) return deep(r.int(200) + 10)
  return object(r, ids, depth - 1)
}

const FIELDS = ['name', 'prompt', 'test_command', 'project_id', 'session_id', 'user_id', 'email', 'password', 'role']
const FIELDS_MORE = ['strategy', 'accessToken', 'id', 'status', 'since', 'epoch', ...PROTOTYPE_NAMES]

export function object(r: Random, ids: number[], depth = 2): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  const count = r.int(4)
  for (let i = 0; i < count; i++) {
    const key = r.chance(0.7) ? r.pick([...FIELDS, ...FIELDS_MORE]) : word(r)
    Object.defineProperty(result, key, { value: value(r, ids, depth), enumerable: true, writable: true })
  }
  return result
}

/** An object with thousands of unknown fields: every one is a validation problem. */
export function wide(fields: number): Record<string, number> {
  const result: Record<string, number> = {}
  for (let i = 0; i < fields; i++) result[`f${i}`] = i
  return result
}

export function deep(levels: number): unknown {
  let result: unknown = { leaf: 1 }
  for (let i = 0; i < levels; i++) result = i % 2 ? [result] : { nested: result }
  return result
}

function segment(r: Random, ids: number[]): string {
  switch (r.int(10)) {
    case 0:
    case 1:
      return r.pick(PROTOTYPE_NAMES)
    case 2:
      return r.pick(NUMBER_TEXTS)
    case 3:
      return encodeURIComponent(r.pick(UNICODE))
    case 4:
      return r.pick(['%5F%5Fproto%5F%5F', '%ZZ', '%', '%00', '%2e%2e', '..', '.', '%2F', 'a%20b', ';x=1', '~'])
    case 5:
      return r.chance(0.2) ? 'z'.repeat(5000 + r.int(20_000)) : word(r, 40)
    case 6:
    case 7:
      return String(r.pick(ids))
    default:
      return r.pick([...SERVICES, ...OTHER_ROUTES])
  }
}

/** A path: a service (or not), then random segments, sometimes with empty ones. */
export function path(r: Random, ids: number[]): string {
  const parts = [r.chance(0.8) ? r.pick(SERVICES) : segment(r, ids)]
  const more = r.int(4)
  for (let i = 0; i < more; i++) parts.push(r.chance(0.3) ? r.pick(SERVICES) : segment(r, ids))
  let result = '/' + parts.join(r.chance(0.05) ? '//' : '/')
  if (r.chance(0.05)) result += '/'
  return result
}

const QUERY_KEYS = ['$skip', '$limit', '$sort[id]', '$sort[name]', '$select[]', '$or[0][id]', '$or', '$and[0][id]']
const QUERY_KEYS_MORE = ['id', 'id[$in][]', 'id[$gt]', 'id[$nin]', 'name', 'project_id', 'session_id', 'status']
const QUERY_KEYS_ODD = ['__proto__[x]', 'constructor[prototype][x]', '$limit[]', '$skip[$gt]', '$sort', '$in']

/** A query string (without `?`), raw: keys and values are sometimes left unencoded on purpose. */
export function query(r: Random, ids: number[]): string {
  const pairs: string[] = []
  const count = r.int(5)
  for (let i = 0; i < count; i++) {
    const key = r.chance(0.85) ? r.pick([...QUERY_KEYS, ...QUERY_KEYS_MORE, ...QUERY_KEYS_ODD]) : word(r)
    const raw = r.chance(0.5) ? r.pick(NUMBER_TEXTS) : r.chance(0.5) ? String(r.pick(NUMBERS)) : text(r, ids)
    const encoded = r.chance(0.8) ? encodeURIComponent(raw.slice(0, 3000)) : r.pick(['%ZZ', '%', '[', ']', '&&', '=='])
    pairs.push(`${encodeURI(key)}=${encoded}`)
  }
  return pairs.join('&')
}

export interface RestInput {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

const GARBAGE_BODIES = ['{', '[', 'null', '"x"', '1e999', '{"a":', '{"name":1}{', '\u0000', 'true', '[]', '{}']

function body(r: Random, ids: number[]): { body: string; type?: string } {
  const roll = r.int(10)
  if (roll === 0) return { body: r.pick(GARBAGE_BODIES), type: 'application/json' }
  if (roll === 1) return { body: `a=${encodeURIComponent(word(r))}&b[c]=1`, type: 'application/x-www-form-urlencoded' }
  if (roll === 2)
    return {
      body: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n',
      type: 'multipart/form-data; boundary=x'
    }
  if (roll === 3) return { body: word(r), type: r.pick(['text/plain', 'application/xml', '']) }
  if (roll === 4 && r.chance(0.1)) return { body: JSON.stringify(wide(5000 + r.int(30_000))), type: 'application/json' }
  return { body: JSON.stringify(r.chance(0.15) ? value(r, ids, 3) : object(r, ids, 3)), type: 'application/json' }
}

const LISTS =
  '/projects|/sessions|/messages|/test-runs|/users|/projects/:id/members|/projects/:id/sessions|/sessions/:id/messages'

// Near-valid requests: a real route with real ids, one field or query value replaced, so the
// validators and the services behind them are reached, not just the router.
const TEMPLATES: [string, string, (r: Random, ids: number[]) => Record<string, unknown> | undefined][] = [
  ['POST', '/projects', (r, ids) => ({ name: pickValue(r, ids, 'valid'), test_command: pickValue(r, ids, ['true']) })],
  ['PATCH', '/projects/:id', (r, ids) => ({ [r.pick(['name', 'test_command'])]: value(r, ids, 2) })],
  ['POST', '/projects/:id/sessions', (r, ids) => (r.chance(0.5) ? {} : { project_id: value(r, ids, 1) })],
  ['POST', '/sessions/:id/messages', (r, ids) => ({ prompt: pickValue(r, ids, 'hello') })],
  ['POST', '/messages', (r, ids) => ({ prompt: 'hi', session_id: pickValue(r, ids, r.pick(ids)) })],
  [
    'POST',
    '/projects/:id/members',
    (r, ids) => ({ [r.pick(['user_id', 'email'])]: value(r, ids, 1), role: pickValue(r, ids, 'viewer') })
  ],
  ['PATCH', '/projects/:id/members/:id', (r, ids) => ({ role: pickValue(r, ids, 'editor') })],
  ['DELETE', '/projects/:id/members/:id', () => undefined],
  [
    'POST',
    '/users',
    (r, ids) => ({
      email: pickValue(r, ids, `${word(r)}@example.test`),
      password: pickValue(r, ids, 'long enough password')
    })
  ],
  ['PATCH', '/users/:id', (r, ids) => ({ [r.pick(['email', 'password'])]: value(r, ids, 1) })],
  [
    'POST',
    '/authentication',
    (r, ids) => ({
      strategy: pickValue(r, ids, r.pick(['local', 'jwt', 'platform-jwt'])),
      email: value(r, ids, 0),
      password: value(r, ids, 0),
      accessToken: value(r, ids, 0)
    })
  ],
  ['POST', '/projects/:id/test-runs', () => undefined],
  ['DELETE', '/test-runs/:id', () => undefined],
  ['GET', '/test-runs/:id', () => undefined],
  ['DELETE', '/messages/:id', () => undefined],
  ['DELETE', '/sessions/:id', () => undefined],
  ['GET', LISTS, () => undefined]
]
const pickValue = (r: Random, ids: number[], valid: unknown) => (r.chance(0.5) ? valid : value(r, ids, 1))

function nearValid(r: Random, ids: number[]): RestInput {
  const [method, template, makeBody] = r.pick(TEMPLATES)
  const chosen = r.pick(template.split('|'))
  const route = chosen.replace(/:id/g, () => String(r.chance(0.85) ? r.pick(ids) : r.pick(NUMBER_TEXTS)))
  const data = makeBody(r, ids)
  const search = r.chance(0.4) ? '?' + query(r, ids) : ''
  const headers: Record<string, string> = data ? { 'content-type': 'application/json' } : {}
  return { method, path: route + search, headers, body: data ? JSON.stringify(data) : undefined }
}

export function restRequest(r: Random, ids: number[]): RestInput {
  if (r.chance(0.35)) return nearValid(r, ids)
  const method = r.pick(['GET', 'GET', 'GET', 'POST', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD', 'OPTIONS'])
  let target = path(r, ids)
  if (r.chance(0.5)) target += '?' + query(r, ids)
  const headers: Record<string, string> = {}
  if (r.chance(0.05)) headers.authorization = r.pick(['Bearer x.y.z', 'Bearer', 'Basic abc', `Bearer ${word(r, 80)}`])
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || r.chance(0.1))
    return { method, path: target, headers }
  const chosen = body(r, ids)
  if (chosen.type) headers['content-type'] = chosen.type
  return { method, path: target, headers, body: chosen.body }
}

export const METHOD_EVENTS = ['find', 'get', 'create', 'update', 'patch', 'remove']
const ODD_EVENTS = ['setup', 'hooks', 'teardown', 'publish', 'emit', 'on', ...PROTOTYPE_NAMES]
const CUSTOM_EVENTS = ['subscribe', 'unsubscribe', 'authenticate', 'ping', 'message']

/** A socket emit: [event, ...args] (the test adds the ack). */
export function socketEmit(r: Random, ids: number[]): [string, ...unknown[]] {
  const roll = r.int(10)
  const event =
    roll < 6
      ? r.pick(METHOD_EVENTS)
      : roll < 8
        ? r.pick(ODD_EVENTS)
        : roll < 9
          ? r.pick(CUSTOM_EVENTS)
          : r.pick([word(r), r.pick(UNICODE), 'x'.repeat(3000)])
  const args: unknown[] = []
  if (r.chance(0.9))
    args.push(r.chance(0.8) ? r.pick([...SERVICES, 'projects/1/sessions', 'sessions/1/messages']) : value(r, ids, 1))
  const more = r.int(4)
  for (let i = 0; i < more; i++)
    args.push(r.chance(0.3) ? r.pick(ids) : r.chance(0.01) ? wide(20_000) : value(r, ids, 2))
  return [event, ...args]
}
