// Processes a crashed server's test runs left behind (issue 8 item 6), for TEST_SANDBOX=none.
// Under bwrap they cannot exist: bwrap runs with --die-with-parent (the kernel SIGKILLs it when
// the server dies, however it dies) and the command lives in bwrap's own PID namespace, whose
// every process the kernel kills when its init goes (test/sandbox.test.ts kills a server with
// SIGKILL mid-run and finds nothing left). Without the sandbox the command is a detached child in
// its own process group: SIGKILL the server and the group runs on, re-parented to init.
//
// Killing "the process group recorded at start" on the next start is not safe by itself: the
// group's leader often dies first (its stdout pipe to the dead server breaks), and once the
// group is empty its id can be handed to an unrelated process. So each unsandboxed run carries
// a random mark in its environment (VIBECODE_TEST_RUN=<token>, inherited by everything it
// starts), and a small ledger file per running run, under TEST_WORKSPACE_ROOT/.runs, names the
// token and the server that owns it (host, boot, pid and the pid's start time). At start-up
// every entry whose server is gone is reaped: the processes of this machine whose environment
// holds its token get SIGKILL, whatever their group. An entry of a server still alive (another
// instance on this machine) is left alone; one of another host is not ours to judge; one of an
// earlier boot has nothing left to kill. A process that rewrote its environment escapes this:
// TEST_SANDBOX=none is not a sandbox (see README, Test runs).
import crypto from 'crypto'
import fs from 'fs'
import os from 'os'
import path from 'path'

/** The environment variable that marks every process of an unsandboxed run. */
export const RUN_MARK = 'VIBECODE_TEST_RUN'

interface Entry {
  run_id: number
  token: string
  host: string
  boot_id: string
  server_pid: number
  server_start: string
}

export interface RunMark {
  /** Extra environment for the run's command. */
  env: Record<string, string>
  /** The run ended (its process is gone): forget it. */
  release(): void
}

export const NO_MARK: RunMark = { env: {}, release: () => undefined }

const readText = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** This boot's id (Linux); undefined elsewhere, and then there is no ledger. */
const bootId = () => readText('/proc/sys/kernel/random/boot_id')?.trim()

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
export function startTime(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`)
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

/** Processes of this machine whose environment holds `VIBECODE_TEST_RUN=<token>`, by token. */
function markedProcesses(tokens: Set<string>): Map<string, number[]> {
  const found = new Map<string, number[]>()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    const environ = readText(`/proc/${name}/environ`)
    if (!environ) continue
    for (const variable of environ.split('\0')) {
      const token = variable.startsWith(`${RUN_MARK}=`) ? variable.slice(RUN_MARK.length + 1) : undefined
      if (token && tokens.has(token)) found.set(token, [...(found.get(token) ?? []), Number(name)])
    }
  }
  return found
}

export class OrphanLedger {
  private readonly boot = bootId()

  constructor(private readonly dir: string) {}

  /** Before an unsandboxed run starts: its mark, and its entry in the ledger. */
  open(runId: number): RunMark {
    if (!this.boot) return NO_MARK
    const token = crypto.randomBytes(16).toString('hex')
    const entry: Entry = {
      run_id: runId,
      token,
      host: os.hostname(),
      boot_id: this.boot,
      server_pid: process.pid,
      server_start: startTime(process.pid) ?? ''
    }
    const file = path.join(this.dir, `${token}.json`)
    fs.mkdirSync(this.dir, { recursive: true })
    fs.writeFileSync(file, JSON.stringify(entry))
    return { env: { [RUN_MARK]: token }, release: () => fs.rmSync(file, { force: true }) }
  }

  /** At start-up: SIGKILLs what runs of dead servers left on this machine; the pids killed. */
  reap(): number[] {
    if (!this.boot || !fs.existsSync(this.dir)) return []
    const orphaned = new Map<string, string>() // token -> entry file
    for (const name of fs.readdirSync(this.dir)) {
      const file = path.join(this.dir, name)
      const entry = this.read(file)
      if (!entry || entry.host !== os.hostname()) continue
      const ownerAlive =
        entry.boot_id === this.boot && startTime(entry.server_pid) === entry.server_start && entry.server_start !== ''
      if (ownerAlive) continue
      if (entry.boot_id === this.boot) orphaned.set(entry.token, file)
      else fs.rmSync(file, { force: true }) // an earlier boot: nothing of it runs any more
    }
    if (orphaned.size === 0) return []
    const killed: number[] = []
    for (const pids of markedProcesses(new Set(orphaned.keys())).values()) {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL')
          killed.push(pid)
        } catch {
          // Gone meanwhile.
        }
      }
    }
    for (const file of orphaned.values()) fs.rmSync(file, { force: true })
    return killed
  }

  private read(file: string): Entry | undefined {
    try {
      const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as Entry
      return typeof entry?.token === 'string' && /^[0-9a-f]{32}$/.test(entry.token) ? entry : undefined
    } catch {
      return undefined
    }
  }
}
