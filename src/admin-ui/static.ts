// GET /admin-ui/: the socket.io Admin UI served by this server from the package's own build
// (@socket.io/admin-ui ships ui/dist), so nothing is loaded from a CDN: its two external
// stylesheets are replaced, the icon font by @mdi/font's copy (/admin-ui/mdi/), the Roboto web
// font by the browser's sans-serif. Served only when the Admin UI is on.
import fs from 'fs/promises'
import path from 'path'
import type { Application } from '../declarations'

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`))

const PREFIX = '/admin-ui/'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject'
}

/** The UI's index.html without its CDN links. */
export function localIndexHtml(html: string): string {
  return html
    .replace(/<link[^>]+href="https:\/\/fonts\.googleapis\.com[^"]*"[^>]*>/g, '')
    .replace(/https:\/\/cdn\.jsdelivr\.net\/npm\/@mdi\/font@[^/]+\/css\//g, 'mdi/css/')
}

/** The file a path under /admin-ui/ names, or undefined (never outside the two package folders). */
export function resolveAsset(relative: string, roots: { ui: string; mdi: string }): string | undefined {
  const [root, rest] = relative.startsWith('mdi/') ? [roots.mdi, relative.slice(4)] : [roots.ui, relative]
  if (relative.startsWith('mdi/') && !/^(css|fonts)\//.test(rest)) return undefined
  const file = path.resolve(root, rest)
  if (!file.startsWith(root + path.sep) || !(path.extname(file) in TYPES)) return undefined
  return file
}

export function serveAdminUi(app: Application) {
  const roots = { ui: path.join(packageDir('@socket.io/admin-ui'), 'ui', 'dist'), mdi: packageDir('@mdi/font') }
  let index: Promise<string> | undefined
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    if (ctx.path === '/admin-ui') return ctx.redirect(PREFIX)
    if (!ctx.path.startsWith(PREFIX)) return next()
    const relative = ctx.path.slice(PREFIX.length)
    if (relative === '' || relative === 'index.html') {
      index ??= fs.readFile(path.join(roots.ui, 'index.html'), 'utf8').then(localIndexHtml)
      ctx.type = TYPES['.html']
      ctx.body = await index
      return
    }
    const file = resolveAsset(relative, roots)
    const body = file && (await fs.readFile(file).catch(() => undefined))
    if (!file || !body) return next()
    ctx.type = TYPES[path.extname(file)]
    // Hashed file names (js/app.0d7d7845.js) and a pinned package: safe to keep for a day.
    ctx.set('Cache-Control', 'public, max-age=86400')
    ctx.body = body
  })
}
