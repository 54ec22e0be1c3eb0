// A server (createApp + startServer, as the tests start them) in a process of its own, so a test can
// SIGKILL it: no goodbye, no closed sockets, nothing cleaned up. Used by the crash and presence tests.
import path from 'path'
import { spawn } from 'child_process'

const ROOT = path.join(__dirname, '..')

/** Starts the server; `port` resolves once it listens, rejects if the process exits first. */
export function serverProcess(settings: Record<string, unknown>) {
  const code = `
    const { createApp } = require(${JSON.stringify(path.join(ROOT, 'src/app'))})
    const { startServer } = require(${JSON.stringify(path.join(ROOT, 'src/http'))})
    startServer(createApp(${JSON.stringify(settings)})).then((server) => console.log('PORT ' + server.address().port))
  `
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const port = new Promise<number>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += String(chunk)
      const match = /PORT (\d+)/.exec(out)
      if (match) resolve(Number(match[1]))
    })
    child.on('exit', (code) => reject(new Error(`the server process exited (${code})`)))
  })
  return { child, port }
}
