// The test-run sandbox's pure parts (src/testruns/sandbox.ts): which mode TEST_SANDBOX, an
// installed bwrap and AUTH resolve to, and the bwrap argv.
import assert from 'assert'
import fs from 'fs'
import os from 'os'
import path from 'path'
import {
  ConfigurationError,
  loadConfiguration,
  normalizeConfiguration,
  validateConfiguration
} from '../../src/configuration'
import { bwrapArgs, findBwrap, resolveSandboxMode, sandboxChoice, sandboxEtcFiles } from '../../src/testruns/sandbox'
import type { HostLayout } from '../../src/testruns/sandbox'

const MERGED_USR: HostLayout = {
  '/bin': { symlink: 'usr/bin' },
  '/sbin': { symlink: 'usr/sbin' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' }
}
const ETC_FDS = { '/etc/passwd': 3, '/etc/group': 4 }
const SETPRIV_PATH = '/usr/bin/setpriv'

/** The values following each occurrence of `flag`. */
const after = (args: string[], flag: string, count = 1) =>
  args.flatMap((arg, index) => (arg === flag ? [args.slice(index + 1, index + 1 + count)] : []))

describe('unit: test-run sandbox', () => {
  describe('resolveSandboxMode', () => {
    it('unset: bwrap when installed', () => {
      assert.deepStrictEqual(resolveSandboxMode(undefined, true, false), { mode: 'bwrap' })
      assert.deepStrictEqual(resolveSandboxMode(undefined, true, true), { mode: 'bwrap' })
    })

    it('unset without bwrap: none with a warning, or unavailable with authentication required', () => {
      const open = resolveSandboxMode(undefined, false, false)
      assert.strictEqual((open as any).mode, 'none')
      assert.match((open as any).warning, /bwrap was not found on PATH.*unsandboxed/)
      const required = resolveSandboxMode(undefined, false, true)
      assert.ok('unavailable' in required)
      assert.match(required.unavailable, /AUTH=required/)
      assert.match(required.unavailable, /TEST_SANDBOX=none/)
      assert.match(required.unavailable, /install bubblewrap/)
    })

    it('bwrap chosen but missing: unavailable, whatever AUTH says', () => {
      for (const authRequired of [false, true]) {
        const resolved = resolveSandboxMode('bwrap', false, authRequired)
        assert.ok('unavailable' in resolved)
        assert.match(resolved.unavailable, /TEST_SANDBOX=bwrap, but bwrap was not found/)
      }
      assert.deepStrictEqual(resolveSandboxMode('bwrap', true, true), { mode: 'bwrap' })
    })

    it('none chosen explicitly: none, without a warning, even with authentication required', () => {
      for (const available of [false, true]) {
        for (const authRequired of [false, true])
          assert.deepStrictEqual(resolveSandboxMode('none', available, authRequired), { mode: 'none' })
      }
    })
  })

  describe('TEST_SANDBOX', () => {
    const settings = (testSandbox: unknown) => normalizeConfiguration({ ...loadConfiguration(), testSandbox })

    it('bwrap or none; empty is unset', () => {
      assert.strictEqual(validateConfiguration(settings('bwrap')).testSandbox, 'bwrap')
      assert.strictEqual(validateConfiguration(settings('none')).testSandbox, 'none')
      assert.ok(!('testSandbox' in validateConfiguration(settings(''))))
    })

    it('anything else is refused, naming the variable', () => {
      assert.throws(
        () => validateConfiguration(settings('docker')),
        (error: unknown) =>
          error instanceof ConfigurationError &&
          /testSandbox \(TEST_SANDBOX\)/.test(error.message) &&
          /"docker"/.test(error.message)
      )
    })
  })

  describe('findBwrap and sandboxChoice', () => {
    it('finds an executable bwrap on PATH only', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vibecode-bwrap-path-'))
      try {
        assert.strictEqual(findBwrap(dir), undefined)
        fs.writeFileSync(path.join(dir, 'bwrap'), '#!/bin/sh\n', { mode: 0o644 })
        assert.strictEqual(findBwrap(`/nonexistent${path.delimiter}${dir}`), undefined, 'not executable')
        fs.chmodSync(path.join(dir, 'bwrap'), 0o755)
        assert.strictEqual(findBwrap(`/nonexistent${path.delimiter}${dir}`), path.join(dir, 'bwrap'))
      } finally {
        fs.rmSync(dir, { recursive: true, force: true })
      }
    })

    it('logs the warning or the reason once', () => {
      const saved = process.env.PATH
      const lines: string[] = []
      process.env.PATH = '/nonexistent'
      try {
        assert.deepStrictEqual(
          sandboxChoice(undefined, false, (line) => lines.push(line)),
          { mode: 'none' }
        )
        assert.deepStrictEqual(
          sandboxChoice('none', true, (line) => lines.push(line)),
          { mode: 'none' }
        )
        const refused = sandboxChoice(undefined, true, (line) => lines.push(line))
        assert.strictEqual(refused.mode, 'unavailable')
      } finally {
        process.env.PATH = saved
      }
      assert.strictEqual(lines.length, 2)
      assert.match(lines[0], /^\[test-runs\] bwrap was not found/)
      assert.match(lines[1], /^\[test-runs\] test runs are unavailable/)
    })
  })

  describe('bwrapArgs', () => {
    const command = ['node', '--test', '--test-reporter=tap']
    const unprivileged = bwrapArgs({
      command,
      workspace: '/srv/data/workspaces/7',
      hostRoot: false,
      layout: MERGED_USR,
      etcFds: ETC_FDS
    })
    const root = bwrapArgs({
      command,
      workspace: '/srv/data/workspaces/7',
      hostRoot: true,
      layout: MERGED_USR,
      etcFds: ETC_FDS
    })

    it('server not root: every namespace, a user namespace with uid 65534 and none nested', () => {
      assert.deepStrictEqual(unprivileged.slice(0, 7), [
        '--unshare-all',
        '--unshare-user',
        '--disable-userns',
        '--uid',
        '65534',
        '--gid',
        '65534'
      ])
      assert.ok(!unprivileged.includes('--share-net'))
      assert.ok(!unprivileged.includes(SETPRIV_PATH))
      // The command follows `--` directly.
      assert.deepStrictEqual(unprivileged.slice(unprivileged.indexOf('--') + 1), command)
    })

    it('server root: no user namespace (it would map to host root), setpriv drops to host 65534', () => {
      assert.ok(!root.includes('--unshare-user') && !root.includes('--unshare-all') && !root.includes('--uid'))
      for (const ns of ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try'])
        assert.ok(root.includes(ns), ns)
      assert.deepStrictEqual(after(root, '--cap-drop'), [['ALL']])
      assert.deepStrictEqual(after(root, '--cap-add'), [['CAP_SETUID'], ['CAP_SETGID'], ['CAP_SETPCAP']])
      assert.deepStrictEqual(root.slice(root.indexOf('--') + 1), [
        SETPRIV_PATH,
        '--reuid',
        '65534',
        '--regid',
        '65534',
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        '--no-new-privs',
        '--',
        ...command
      ])
    })

    it('dies with its parent, in a session of its own', () => {
      for (const args of [unprivileged, root]) {
        assert.ok(args.includes('--die-with-parent'))
        assert.ok(args.includes('--new-session'))
        assert.ok(!args.includes('--as-pid-1'), 'bwrap stays pid 1, so its death ends the namespace')
      }
    })

    it('mounts the system read-only, its own /proc and /dev, a private /tmp, the workspace read-write', () => {
      for (const args of [unprivileged, root]) {
        const setup = args.slice(0, args.indexOf('--'))
        assert.deepStrictEqual(after(setup, '--ro-bind', 2)[0], ['/usr', '/usr'])
        assert.deepStrictEqual(after(setup, '--symlink', 2), [
          ['usr/bin', '/bin'],
          ['usr/sbin', '/sbin'],
          ['usr/lib', '/lib'],
          ['usr/lib64', '/lib64']
        ])
        assert.deepStrictEqual(after(setup, '--proc'), [['/proc']])
        assert.deepStrictEqual(after(setup, '--dev'), [['/dev']])
        assert.deepStrictEqual(after(setup, '--tmpfs'), [['/dev/shm'], ['/tmp']])
        // The only read-write host path: the workspace, at /workspace, where the command starts.
        assert.deepStrictEqual(after(setup, '--bind', 2), [['/srv/data/workspaces/7', '/workspace']])
        assert.ok(!setup.includes('--dev-bind') && !setup.includes('--bind-try'))
        assert.deepStrictEqual(after(setup, '--chdir'), [['/workspace']])
        assert.deepStrictEqual(after(setup, '--remount-ro'), [['/']])
        // Its /etc: a few read-only system files, and its own passwd and group.
        const etc = after(setup, '--ro-bind-try', 2).map(([source, target]) => {
          assert.strictEqual(source, target)
          return source
        })
        assert.deepStrictEqual(etc, [
          '/etc/ld.so.cache',
          '/etc/alternatives',
          '/etc/ssl/certs',
          '/etc/ssl/openssl.cnf',
          '/etc/localtime',
          '/etc/timezone'
        ])
        assert.deepStrictEqual(after(setup, '--ro-bind-data', 2), [
          ['3', '/etc/passwd'],
          ['4', '/etc/group']
        ])
        // Nothing of the host's data, home or the server's tree.
        for (const arg of setup) {
          assert.ok(!/^\/(root|home|work|var|run)(\/|$)/.test(arg), arg)
          if (arg.startsWith('/srv')) assert.strictEqual(arg, '/srv/data/workspaces/7')
        }
      }
    })

    it('binds real directories as they are, and skips absent ones', () => {
      const args = bwrapArgs({
        command,
        workspace: '/w',
        hostRoot: false,
        layout: { '/bin': 'dir', '/lib': 'dir' },
        etcFds: {}
      })
      assert.deepStrictEqual(after(args, '--ro-bind', 2), [
        ['/usr', '/usr'],
        ['/bin', '/bin'],
        ['/lib', '/lib']
      ])
      assert.deepStrictEqual(after(args, '--symlink', 2), [])
    })

    it('a clean environment: PATH of the system only, HOME in the private /tmp', () => {
      for (const args of [unprivileged, root]) {
        assert.ok(args.includes('--clearenv'))
        assert.ok(args.indexOf('--clearenv') < args.indexOf('--setenv'))
        const env = Object.fromEntries(after(args, '--setenv', 2))
        assert.deepStrictEqual(env, {
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: '/tmp',
          TMPDIR: '/tmp',
          LANG: 'C.UTF-8',
          CI: 'true',
          NO_COLOR: '1'
        })
      }
    })

    it('passes the command verbatim, as argv, however it looks', () => {
      const odd = ['node', '-e', 'console.log("--bind / /x")', '--', '$(id)']
      const args = bwrapArgs({ command: odd, workspace: '/w', hostRoot: false, layout: {}, etcFds: {} })
      assert.deepStrictEqual(args.slice(args.indexOf('--') + 1), odd)
    })

    it("the sandbox's passwd and group name only the sandbox user", () => {
      const files = sandboxEtcFiles()
      assert.deepStrictEqual(Object.keys(files).sort(), [
        '/etc/group',
        '/etc/hosts',
        '/etc/nsswitch.conf',
        '/etc/passwd'
      ])
      assert.strictEqual(files['/etc/passwd'].trim().split('\n').length, 1)
      assert.match(files['/etc/passwd'], /^sandbox:x:65534:65534:/)
      assert.match(files['/etc/group'], /^sandbox:x:65534:\n$/)
    })
  })
})
