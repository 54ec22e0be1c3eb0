// Where log lines go by default: stdout, written synchronously, the lines of a few milliseconds at once.
//
// pino's synchronous destination makes one write(2) per line. A burst of connects logs a line each
// (and a disconnect storm another): one system call per line was ~8 % of the server's CPU per
// accept (issue 10, bench:connections); flushing once per event-loop turn still made ~0.8 writes
// per line, since each connect is its own turn. Here lines wait at most FLUSH_MS and are joined
// into one write; on process exit (a failed start, a shutdown, an uncaught exception) what is
// pending is written before the process ends. Only a SIGKILL can lose lines: the last FLUSH_MS.
import fs from 'fs'

export interface LineDestination {
  write(line: string): void
  /** Writes what is pending now (also on process exit). */
  flushSync(): void
}

/** How long a line may wait for others to share its write: below what a person watching would notice. */
const FLUSH_MS = 20

/** The pause before retrying a write the pipe refused (EAGAIN: a reader slower than the server). */
const BUSY_WAIT = new Int32Array(new SharedArrayBuffer(4))

function writeAll(fd: number, text: string) {
  const buffer = Buffer.from(text)
  let offset = 0
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(fd, buffer, offset)
    } catch (error) {
      // A full pipe: wait a moment and go on, as pino's own destination does. Anything else (the
      // reader gone: EPIPE) drops the lines - logging must never take the server down.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return
      Atomics.wait(BUSY_WAIT, 0, 0, 10)
    }
  }
}

function coalescingDestination(fd: number): LineDestination {
  let pending = ''
  let scheduled = false
  const flushSync = () => {
    scheduled = false
    if (pending === '') return
    const text = pending
    pending = ''
    writeAll(fd, text)
  }
  process.on('exit', flushSync)
  return {
    write(line: string) {
      pending += line
      if (scheduled) return
      scheduled = true
      // Unref'd: pending lines never keep a finished process alive (the exit handler writes them).
      setTimeout(flushSync, FLUSH_MS).unref()
    },
    flushSync
  }
}

let stdout: LineDestination | undefined

/** The process's one stdout destination (every logger of the process shares it, so lines keep their order). */
export function stdoutDestination(): LineDestination {
  return (stdout ??= coalescingDestination(1))
}
