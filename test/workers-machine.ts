// A WORKERS=n machine for tests and benchmarks: `src/index.ts` run as `npm start` runs it (the
// primary and its workers, real processes) on a temporary SQLite file and a free port.
import { spawn } from 'child_process'
import fs from 'fs'
import os from 'os'
import path from 'path'
import axios from 'axios'
import { io, type Socket } from 'socket.io-client'

const root = path.join(__dirname, '..')

export interface Machine {
  url: string
  /** The process `npm start` would be: the primary (WORKERS > 1) or the app itself. */
  pid: number
  dir: string
  http: ReturnType<typeof axios.create>
  /** Everything the primary and its workers logged so far. */
  output(): string
  socket(options?: { transports?: string[] }): Socket
  /** SIGTERM to the primary; resolves with its exit code. */
  stop(): Promise<number | null>
}

export async function startMachine(env: Record<string, string> = {}, startupMs = 120_000): Promise<Machine> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-workers-'))
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/index.ts'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      // config/test.json silences the log, whose lines tell when the machine listens.
      LOG_LEVEL: 'info',
      WORKERS: '2',
      DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`,
      TEST_WORKSPACE_ROOT: path.join(dir, 'workspaces'),
      ...env
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 'listening' within ${startupMs} ms:\n${output}`)), startupMs)
    child.stdout.on('data', () => {
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(Number(match[1]))
      }
    })
    exited.then(() => reject(new Error(`the machine exited before listening:\n${output}`)))
  })
  const url = `http://127.0.0.1:${port}`
  const sockets: Socket[] = []
  return {
    url,
    pid: child.pid!,
    dir,
    http: axios.create({ baseURL: url, validateStatus: () => true }),
    output: () => output,
    socket: ({ transports = ['websocket'] } = {}) => {
      const socket = io(url, { transports, reconnection: false, forceNew: true })
      sockets.push(socket)
      return socket
    },
    stop: async () => {
      for (const socket of sockets) socket.disconnect()
      child.kill('SIGTERM')
      const code = await exited
      fs.rmSync(dir, { recursive: true, force: true })
      return code
    }
  }
}

/** The pid of the worker that serves a socket, from its heartbeat's instance (`hostname:pid`). */
export const pidOfInstance = (instance: string) => Number(instance.split(':').pop())
