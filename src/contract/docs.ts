// GET /openapi.json, GET /docs and its assets. Public in both AUTH modes: they describe the API
// and reveal no data. The viewers come from installed packages (swagger-ui-dist, the standalone
// bundle of @asyncapi/react-component), never from a CDN, so a machine without the internet sees
// the page; only the files named here are served.
import fs from 'fs/promises'
import path from 'path'
import type { Application } from '../declarations'
import { openApiDocument } from './openapi'
import { docsPage, docsScript, docsStyles } from './docs-page'

const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`))

const JS = 'application/javascript; charset=utf-8'
const CSS = 'text/css; charset=utf-8'

/** /docs/assets/<name> -> [package, file in it, type]. */
const ASSETS: Record<string, [string, string, string]> = {
  'swagger-ui-bundle.js': ['swagger-ui-dist', 'swagger-ui-bundle.js', JS],
  'swagger-ui.css': ['swagger-ui-dist', 'swagger-ui.css', CSS],
  'asyncapi.js': ['@asyncapi/react-component', 'browser/standalone/index.js', JS],
  'asyncapi.css': ['@asyncapi/react-component', 'styles/default.min.css', CSS],
  // Named by the page, so the browser does not ask for /favicon.ico (a 404).
  'favicon.png': ['swagger-ui-dist', 'favicon-32x32.png', 'image/png']
}

// Scripts from this origin only (no inline script, no CDN); the viewers set inline styles.
// 'unsafe-eval': the AsyncAPI parser in the bundle compiles its JSON Schema validators (Ajv's
// generated functions); without it the bundle fails to load (tried in Chromium).
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join('; ')

export const contractRoutes = (app: Application) => {
  let openApi: string | undefined
  const files = new Map<string, Promise<Buffer>>()
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next()
    if (ctx.path === '/openapi.json') {
      // Built once: the services are all registered before the first request.
      openApi ??= JSON.stringify(openApiDocument(app), null, 2)
      ctx.type = 'application/json; charset=utf-8'
      ctx.body = openApi
      return
    }
    if (ctx.path === '/docs' || ctx.path === '/docs/') {
      ctx.type = 'text/html; charset=utf-8'
      ctx.set('Content-Security-Policy', DOCS_CSP)
      ctx.body = docsPage
      return
    }
    if (!ctx.path.startsWith('/docs/assets/')) return next()
    const name = ctx.path.slice('/docs/assets/'.length)
    if (name === 'docs.js' || name === 'docs.css') {
      ctx.type = name === 'docs.js' ? JS : CSS
      ctx.body = name === 'docs.js' ? docsScript : docsStyles
      return
    }
    const asset = Object.prototype.hasOwnProperty.call(ASSETS, name) ? ASSETS[name] : undefined
    if (!asset) return next()
    const [pkg, file, type] = asset
    if (!files.has(name)) files.set(name, fs.readFile(path.join(packageDir(pkg), file)))
    ctx.type = type
    // A pinned package: the same file until the next install.
    ctx.set('Cache-Control', 'public, max-age=3600')
    ctx.body = await files.get(name)
  })
}
