// The test-run sandbox. A project's test command is code chosen by whoever can edit the project, so
// it runs under bubblewrap (`bwrap`), and the sandbox, not the executable allowlist, is the
// boundary: no network (its own network namespace, only a loopback), its own PID namespace and
// /proc (the server's /proc/<pid>/environ and cwd do not exist in there, nor can it signal the
// server), the system read-only, a private /tmp, the project's workspace at /workspace as the only
// writable host directory, an unprivileged uid, and the whole namespace killed when the run ends,
// is stopped, or the server dies (--die-with-parent), so nothing it started outlives it. The
// server's data directory, database, cwd, environment, /root, /home and other projects'
// workspaces are not mounted at all.
//
// Two ways to the unprivileged uid:
// - server not root: bwrap makes a user namespace (--unshare-user) in which the command is uid
//   65534; on the host it is the server's own (unprivileged) uid.
// - server root: a user namespace would map the sandbox's uid to host root, which still owns every
//   root-owned file it can see (it could chmod the host's /dev/null, read root-only files under
//   /usr). So bwrap runs privileged without a user namespace, all capabilities dropped but the
//   three `setpriv` needs to become host uid/gid 65534 with no capabilities, an empty bounding
//   set and no_new_privs before it runs the command. The workspace is chowned to 65534 before the
//   run (process.ts) so the command can write it.
//
// This file builds the argv (pure, unit-tested) and resolves the mode; process.ts spawns it.
import fs from 'fs'
import path from 'path'

export type SandboxMode = 'bwrap' | 'none'

/** What test runs use: a sandbox mode, or why they cannot run at all (answered as 503). */
export type SandboxChoice =
  { mode: 'bwrap'; bwrap: string } | { mode: 'none' } | { mode: 'unavailable'; reason: string }

/** The uid/gid the command runs as inside the sandbox (and on the host when the server is root). */
export const SANDBOX_UID = 65534
export const SANDBOX_GID = 65534
/** Where the project's workspace appears inside the sandbox; the command starts there. */
export const SANDBOX_WORKSPACE = '/workspace'
/** PATH inside: the system's tools only (python3 is /usr/bin/python3, never a pyenv shim). */
export const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin'
export const SETPRIV = '/usr/bin/setpriv'

export type SandboxResolution = { mode: SandboxMode; warning?: string } | { unavailable: string }

/**
 * The effective mode. `setting` is TEST_SANDBOX (undefined: not set). Unset means bwrap when it is
 * installed; without it, `none` with a warning, except with authentication required, where
 * running unsandboxed must be chosen explicitly and test runs are refused instead.
 */
export function resolveSandboxMode(
  setting: SandboxMode | undefined,
  bwrapAvailable: boolean,
  authRequired: boolean
): SandboxResolution {
  if (setting === 'none') return { mode: 'none' }
  if (bwrapAvailable) return { mode: 'bwrap' }
  if (setting === 'bwrap') {
    return {
      unavailable: 'test runs are unavailable: TEST_SANDBOX=bwrap, but bwrap was not found on PATH (install bubblewrap)'
    }
  }
  if (authRequired) {
    return {
      unavailable:
        'test runs are unavailable: bwrap was not found on PATH and AUTH=required needs a sandbox; install bubblewrap, or set TEST_SANDBOX=none to run test commands unsandboxed'
    }
  }
  return {
    mode: 'none',
    warning:
      'bwrap was not found on PATH: test commands run unsandboxed, as the server user (install bubblewrap, or set TEST_SANDBOX=none to silence this)'
  }
}

/** The absolute path of an executable `bwrap` on PATH, if any. */
export function findBwrap(searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue
    const candidate = path.join(dir, 'bwrap')
    try {
      fs.accessSync(candidate, fs.constants.X_OK)
      if (fs.statSync(candidate).isFile()) return candidate
    } catch {
      // Not here.
    }
  }
  return undefined
}

/** Resolves TEST_SANDBOX for the test runner; prints the warning, if any, once. */
export function sandboxChoice(
  setting: SandboxMode | undefined,
  authRequired: boolean,
  log: (line: string) => void
): SandboxChoice {
  const bwrap = setting === 'none' ? undefined : findBwrap()
  const resolved = resolveSandboxMode(setting, bwrap !== undefined, authRequired)
  if ('unavailable' in resolved) {
    log(`[test-runs] ${resolved.unavailable}`)
    return { mode: 'unavailable', reason: resolved.unavailable }
  }
  if (resolved.warning) log(`[test-runs] ${resolved.warning}`)
  return resolved.mode === 'bwrap' ? { mode: 'bwrap', bwrap: bwrap! } : { mode: 'none' }
}

/** How the host's top-level system directories exist: a symlink (Debian's merged /usr) or a directory. */
export type HostLayout = Record<string, { symlink: string } | 'dir'>

/** Top-level directories the sandbox may need besides /usr; mirrored as they are on the host. */
export const SYSTEM_DIRS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']

/** Reads how SYSTEM_DIRS exist on this host (absent ones are left out). */
export function hostLayout(): HostLayout {
  const layout: HostLayout = {}
  for (const dir of SYSTEM_DIRS) {
    try {
      const stat = fs.lstatSync(dir)
      if (stat.isSymbolicLink()) layout[dir] = { symlink: fs.readlinkSync(dir) }
      else if (stat.isDirectory()) layout[dir] = 'dir'
    } catch {
      // Absent here.
    }
  }
  return layout
}

// From the host's /etc, only what programs need to start and behave: the dynamic linker's cache,
// the Debian alternatives (/usr/bin/* symlinks point there), the public CA certificates and
// OpenSSL's configuration (not /etc/ssl/private), the time zone. Missing ones are skipped.
export const ETC_READ_ONLY = [
  '/etc/ld.so.cache',
  '/etc/alternatives',
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/localtime',
  '/etc/timezone'
]

/** The files written into the sandbox's /etc (never the host's passwd, group, hosts, resolv.conf). */
export function sandboxEtcFiles(): Record<string, string> {
  return {
    '/etc/passwd': `sandbox:x:${SANDBOX_UID}:${SANDBOX_GID}:test sandbox:/tmp:/usr/sbin/nologin\n`,
    '/etc/group': `sandbox:x:${SANDBOX_GID}:\n`,
    '/etc/nsswitch.conf': 'passwd: files\ngroup: files\nshadow: files\nhosts: files\n',
    '/etc/hosts': '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
  }
}

/** The command's whole environment: nothing of the server's. */
export function sandboxEnvironment(): Record<string, string> {
  return { PATH: SANDBOX_PATH, HOME: '/tmp', TMPDIR: '/tmp', LANG: 'C.UTF-8', CI: 'true', NO_COLOR: '1' }
}

export interface BwrapArgsOptions {
  command: string[]
  /** The workspace on the host; bound read-write at /workspace. */
  workspace: string
  /** Server runs as root: drop to host uid 65534 with setpriv instead of a user namespace. */
  hostRoot: boolean
  layout: HostLayout
  /** Files for the sandbox's /etc, each read by bwrap from an inherited fd. */
  etcFds: Record<string, number>
  env?: Record<string, string>
}

/** Fixed flags, written as bwrap's own command line reads. */
const flags = (line: string) => line.split(' ')

/** Namespaces and who the command runs as. */
function identityArgs(hostRoot: boolean): string[] {
  if (hostRoot) {
    // Privileged bwrap: every namespace but the user namespace (a user namespace would map the
    // sandbox's uid to host root), and no capability but the ones setpriv uses to drop to 65534.
    return flags(
      '--unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try ' +
        '--cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP'
    )
  }
  // Unprivileged bwrap: a user namespace in which the command is 65534, and none nested in it.
  return flags(`--unshare-all --unshare-user --disable-userns --uid ${SANDBOX_UID} --gid ${SANDBOX_GID}`)
}

/** What the command sees of the file system: the system read-only, the workspace writable. */
function filesystemArgs(options: BwrapArgsOptions): string[] {
  // The system, read-only. (Directories bwrap creates are 0700 unless told: /etc must be readable.)
  const args = flags('--ro-bind /usr /usr --perms 0755 --dir /etc --perms 0755 --dir /etc/ssl')
  for (const dir of SYSTEM_DIRS) {
    const entry = options.layout[dir]
    if (!entry) continue
    if (entry === 'dir') args.push('--ro-bind', dir, dir)
    else args.push('--symlink', entry.symlink, dir)
  }
  for (const file of ETC_READ_ONLY) args.push('--ro-bind-try', file, file)
  for (const [file, fd] of Object.entries(options.etcFds))
    args.push('--perms', '0644', '--ro-bind-data', String(fd), file)
  // Its own /proc (its PID namespace only), a minimal /dev, a private /tmp and /dev/shm.
  args.push(...flags('--proc /proc --dev /dev --perms 1777 --tmpfs /dev/shm --perms 1777 --tmpfs /tmp'))
  // The workspace, the only writable host directory; then the root itself (a tmpfs holding the
  // mount points) read-only.
  args.push('--bind', options.workspace, SANDBOX_WORKSPACE, '--chdir', SANDBOX_WORKSPACE, '--remount-ro', '/')
  return args
}

/** bwrap's argv (without the bwrap executable itself). */
export function bwrapArgs(options: BwrapArgsOptions): string[] {
  // No process outlives bwrap (nor bwrap its parent, the server); no terminal to inject input into.
  const args = [...identityArgs(options.hostRoot), ...flags('--die-with-parent --new-session --hostname sandbox')]
  args.push(...filesystemArgs(options), '--clearenv')
  for (const [name, value] of Object.entries(options.env ?? sandboxEnvironment())) args.push('--setenv', name, value)
  args.push('--')
  if (options.hostRoot) {
    const drop = `--reuid ${SANDBOX_UID} --regid ${SANDBOX_GID} --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs --`
    args.push(SETPRIV, ...flags(drop))
  }
  args.push(...options.command)
  return args
}
