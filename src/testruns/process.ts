// Runs one test command as a child process: argv (no shell), in the project's workspace, with a
// clean environment, a deadline, an output cap, and the whole process group killed on timeout or
// cancel (a test runner's own children die with it).
import { spawn } from 'child_process'
import fs from 'fs'
import { LineSplitter } from './lines'
import { tapCases } from './tap'
import type { TapCase } from './tap'

export type RunOutcome = 'passed' | 'failed' | 'error' | 'timeout' | 'cancelled'

export interface RunRequest {
  command: string[]
  cwd: string
  timeoutMs: number
  outputMaxBytes: number
  signal: AbortSignal
  onStarted: () => void
  onLines: (stream: 'stdout' | 'stderr', lines: string[]) => void
  onCase: (result: TapCase) => void
}

export interface RunSummary {
  status: RunOutcome
  exit_code: number | null
  passed: number
  failed: number
  skipped: number
  duration_ms: number
  output: string
  output_truncated: boolean
  error: string | null
}

const KILL_GRACE_MS = 2000

/** Only what a test runner needs: no secrets of the server leak into the project's tests. */
function cleanEnvironment(cwd: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: cwd,
    TMPDIR: process.env.TMPDIR ?? '/tmp',
    LANG: 'C.UTF-8',
    CI: 'true',
    NO_COLOR: '1'
  }
}

export function runTestProcess(request: RunRequest): Promise<RunSummary> {
  const started = Date.now()
  const counts = { passed: 0, failed: 0, skipped: 0 }
  let output = ''
  let outputBytes = 0
  let truncated = false
  let stop: 'timeout' | 'cancelled' | undefined

  return new Promise((resolve) => {
    const finish = (status: RunOutcome, exitCode: number | null, error: string | null) =>
      resolve({ status, exit_code: exitCode, ...counts, duration_ms: Date.now() - started, output, output_truncated: truncated, error })

    if (request.signal.aborted) return finish('cancelled', null, null)
    fs.mkdirSync(request.cwd, { recursive: true })

    const [file, ...args] = request.command
    const child = spawn(file, args, {
      cwd: request.cwd,
      env: cleanEnvironment(request.cwd),
      // Its own process group, so a kill reaches everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })

    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal)
      } catch {
        // Already gone.
      }
    }
    const halt = (reason: 'timeout' | 'cancelled') => {
      if (stop) return
      stop = reason
      killGroup('SIGTERM')
      setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS).unref()
    }
    const deadline = setTimeout(() => halt('timeout'), request.timeoutMs)
    const onAbort = () => halt('cancelled')
    request.signal.addEventListener('abort', onAbort)

    const tap = tapCases((result) => {
      if (result.skipped) counts.skipped++
      else if (result.ok) counts.passed++
      else counts.failed++
      request.onCase(result)
    })

    for (const stream of ['stdout', 'stderr'] as const) {
      const splitter = new LineSplitter()
      child[stream].setEncoding('utf8')
      child[stream].on('data', (chunk: string) => {
        if (stream === 'stdout') tap.write(chunk)
        if (truncated) return
        const bytes = Buffer.byteLength(chunk)
        if (outputBytes + bytes > request.outputMaxBytes) {
          truncated = true
          return
        }
        outputBytes += bytes
        output += chunk
        const lines = splitter.push(chunk)
        if (lines.length) request.onLines(stream, lines)
      })
      child[stream].on('end', () => {
        const last = splitter.end()
        if (last.length && !truncated) request.onLines(stream, last)
      })
    }

    child.on('spawn', () => request.onStarted())
    child.on('error', (error) => {
      clearTimeout(deadline)
      request.signal.removeEventListener('abort', onAbort)
      finish('error', null, `could not start ${file}: ${error.message}`)
    })
    child.on('close', (code) => {
      clearTimeout(deadline)
      request.signal.removeEventListener('abort', onAbort)
      tap.end()
      if (stop) return finish(stop, code, null)
      finish(code === 0 && counts.failed === 0 ? 'passed' : 'failed', code, null)
    })
  })
}
