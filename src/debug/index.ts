// GET /debug: a page to watch a project live, for people (messages with their token meters and
// diffs, test runs, the connection and its heartbeats, the raw events) through the real typed
// client: browser.ts and the modules beside it, bundled for the browser by esbuild on first use.
import path from 'path'
import type { Application } from '../declarations'
import { debugPage } from './page'

// The TypeScript source, from src/debug (ts-node) or lib/debug (compiled) alike.
const entry = path.join(__dirname, '..', '..', 'src', 'debug', 'browser.ts')

let bundle: Promise<string> | undefined

function buildBundle(): Promise<string> {
  bundle ??= import('esbuild')
    .then((esbuild) =>
      esbuild.build({
        entryPoints: [entry],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        target: 'es2020',
        minify: true
      })
    )
    .then((result) => result.outputFiles[0].text)
  bundle.catch(() => (bundle = undefined))
  return bundle
}

export const debug = (app: Application) => {
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET') return next()
    if (ctx.path === '/debug' || ctx.path === '/debug/') {
      ctx.type = 'text/html; charset=utf-8'
      ctx.body = debugPage
      return
    }
    if (ctx.path === '/debug/client.js') {
      ctx.type = 'application/javascript; charset=utf-8'
      ctx.body = await buildBundle()
      return
    }
    return next()
  })
}
