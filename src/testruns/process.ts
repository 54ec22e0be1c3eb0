// Runs one test command as a child process: argv (no shell), in the project's workspace, with a
// clean environment, a deadline, an output cap, and the whole process group killed on timeout or
// cancel (a test runner's own children die with it). With the bwrap sandbox (sandbox.ts) the child
// is bwrap, the command runs in its namespaces, and killing bwrap kills the whole PID namespace.
import { spawn } from 'child_process'
import type { ChildProcessByStdio } from 'child_process'
import fs from 'fs'
import type { Readable, Writable } from 'stream'
import { LineSplitter } from './lines'
import { SANDBOX_GID, SANDBOX_UID, bwrapArgs, hostLayout, sandboxEtcFiles } from './sandbox'
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
  /** Where the command runs: under bwrap (the path of its executable), or as a plain child. */
  sandbox?: { mode: 'bwrap'; bwrap: string } | { mode: 'none' }
  /** Added to the clean environment of an unsandboxed command (its orphan mark: orphans.ts). */
  environment?: Record<string, string>
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

const isRoot = () => process.getuid?.() === 0

/**
 * With the server running as root, the sandbox's command is host uid 65534: the workspace becomes
 * its. `chown -R -P` never follows a symlink (not even one swapped in during the walk), so links
 * a previous run left there cannot hand it anything outside the workspace.
 */
function chownWorkspace(cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    const chown = spawn('chown', ['-R', '-P', `${SANDBOX_UID}:${SANDBOX_GID}`, '--', cwd], {
      env: { PATH: '/usr/bin:/bin' },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    chown.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    chown.on('error', (error) => resolve(`could not hand the workspace to the sandbox user: ${error.message}`))
    chown.on('close', (code) =>
      resolve(
        code === 0
          ? null
          : `could not hand the workspace to the sandbox user: ${stderr.trim() || `chown exited ${code}`}`
      )
    )
  })
}

/** What to spawn: the command itself, or bwrap with the command inside. */
function spawnCommand(request: RunRequest): ChildProcessByStdio<null, Readable, Readable> {
  const sandbox = request.sandbox ?? { mode: 'none' }
  if (sandbox.mode === 'none') {
    const [file, ...args] = request.command
    return spawn(file, args, {
      cwd: request.cwd,
      env: { ...cleanEnvironment(request.cwd), ...request.environment },
      // Its own process group, so a kill reaches everything it started.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
  }
  // The sandbox's own /etc files go to bwrap through inherited pipes, fd 3 onwards.
  const etc = Object.entries(sandboxEtcFiles())
  const etcFds = Object.fromEntries(etc.map(([file], index) => [file, 3 + index]))
  const args = bwrapArgs({
    command: request.command,
    workspace: request.cwd,
    hostRoot: isRoot(),
    layout: hostLayout(),
    etcFds
  })
  const child = spawn(sandbox.bwrap, args, {
    // Nothing of the server's environment, not even for bwrap's own pid 1.
    env: { PATH: '/usr/bin:/bin' },
    // Its own process group: killing it kills bwrap, and with it (--die-with-parent) the sandbox's
    // PID namespace, everything in it included.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', ...etc.map(() => 'pipe' as const)]
  }) as unknown as ChildProcessByStdio<null, Readable, Readable>
  etc.forEach(([, content], index) => {
    const pipe = child.stdio[3 + index] as unknown as Writable
    // bwrap gone before reading (a setup error): its output says why.
    pipe.on('error', () => undefined)
    pipe.end(content)
  })
  return child
}

export async function runTestProcess(request: RunRequest): Promise<RunSummary> {
  const started = Date.now()
  const early = (status: RunOutcome, error: string | null): RunSummary => ({
    status,
    exit_code: null,
    passed: 0,
    failed: 0,
    skipped: 0,
    duration_ms: Date.now() - started,
    output: '',
    output_truncated: false,
    error
  })
  if (request.signal.aborted) return early('cancelled', null)
  fs.mkdirSync(request.cwd, { recursive: true })
  if (request.sandbox?.mode === 'bwrap' && isRoot()) {
    const problem = await chownWorkspace(request.cwd)
    if (problem) return early('error', problem)
    if (request.signal.aborted) return early('cancelled', null)
  }
  return runChild(request, started)
}

/** Keeps a run's output up to a byte cap and hands complete lines on, per stream. */
class CappedOutput {
  text = ''
  truncated = false
  private bytes = 0

  constructor(private readonly request: RunRequest) {}

  follow(stream: 'stdout' | 'stderr', source: Readable, tap?: (chunk: string) => void) {
    const splitter = new LineSplitter()
    source.setEncoding('utf8')
    source.on('data', (chunk: string) => {
      tap?.(chunk)
      if (this.truncated) return
      const bytes = Buffer.byteLength(chunk)
      if (this.bytes + bytes > this.request.outputMaxBytes) {
        this.truncated = true
        return
      }
      this.bytes += bytes
      this.text += chunk
      const lines = splitter.push(chunk)
      if (lines.length) this.request.onLines(stream, lines)
    })
    source.on('end', () => {
      const last = splitter.end()
      if (last.length && !this.truncated) this.request.onLines(stream, last)
    })
  }
}

function runChild(request: RunRequest, started: number): Promise<RunSummary> {
  const counts = { passed: 0, failed: 0, skipped: 0 }
  const output = new CappedOutput(request)
  let stop: 'timeout' | 'cancelled' | undefined

  return new Promise((resolve) => {
    const finish = (status: RunOutcome, exitCode: number | null, error: string | null) =>
      resolve({
        status,
        exit_code: exitCode,
        ...counts,
        duration_ms: Date.now() - started,
        output: output.text,
        output_truncated: output.truncated,
        error
      })

    const file = request.sandbox?.mode === 'bwrap' ? request.sandbox.bwrap : request.command[0]
    const child = spawnCommand(request)

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
    const settle = () => {
      clearTimeout(deadline)
      request.signal.removeEventListener('abort', onAbort)
    }

    const tap = tapCases((result) => {
      if (result.skipped) counts.skipped++
      else if (result.ok) counts.passed++
      else counts.failed++
      request.onCase(result)
    })
    output.follow('stdout', child.stdout, (chunk) => tap.write(chunk))
    output.follow('stderr', child.stderr)

    child.on('spawn', () => request.onStarted())
    child.on('error', (error) => {
      settle()
      finish('error', null, `could not start ${file}: ${error.message}`)
    })
    child.on('close', (code) => {
      settle()
      tap.end()
      if (stop) return finish(stop, code, null)
      finish(code === 0 && counts.failed === 0 ? 'passed' : 'failed', code, null)
    })
  })
}
