// Route lookup that treats every path segment as data. Feathers' router (transport-commons
// routing/router.ts) finds a segment's node with `this.children[segment]`, a plain object: a
// segment named after an Object.prototype member (`__proto__`, `constructor`, `toString`,
// `hasOwnProperty`, …) finds the prototype's member instead of nothing, and the next
// `child.lookup(…)` throws a TypeError - a 500 for `/projects/__proto__`,
// `/sessions/toString/messages`, `/hasOwnProperty`, and the same for a socket call naming such a
// path. The fix is in the lookup itself, not in a koa middleware in front of rest(): every caller
// of `app.lookup` goes through it (koa's rest middleware, socket calls in runMethod, the request
// metrics' route names), and a segment like `constructor` stays what it is everywhere else: an id
// that does not exist (404), or a route that does not exist (404). The walk is Feathers' own
// (exact children first, then placeholders, first match wins), with own-property checks.
import type { LookupData, LookupResult, RouteNode } from '@feathersjs/transport-commons/lib/routing'
import type { Application } from './declarations'

const own = (children: Record<string, RouteNode>, segment: string) =>
  Object.prototype.hasOwnProperty.call(children, segment) ? children[segment] : undefined

/** RouteNode.lookup, with the child found by own property only. */
export function lookupNode<T>(node: RouteNode<T>, path: string[], info: LookupData): LookupResult<T> | null {
  if (path.length === node.depth) return node.data === undefined ? null : { ...info, data: node.data }
  const segment = path[node.depth]
  const child = own(node.children, segment)
  if (child) {
    const found = lookupNode(child, path, info)
    if (found !== null) return found as LookupResult<T>
  }
  for (const placeholder of node.placeholders) {
    const found = lookupNode(placeholder, path, info)
    if (found !== null) {
      found.params[placeholder.name] = segment
      return found as LookupResult<T>
    }
  }
  return null
}

/** Replaces the app router's lookup (the router exists once koa() has configured routing). */
export function safeRoutes(app: Application) {
  const router = app.routes
  // Feathers' declaration omits the null its own lookup returns for an unknown path.
  router.lookup = ((path: string) =>
    typeof path === 'string'
      ? lookupNode(router.root, router.getPath(path), { params: {} })
      : null) as typeof router.lookup
}
