// The settings rules of access (issue 7): protected mode, AUTH_SECRET with AUTH=required, the
// platform's public key. Pure functions over the settings, checked with the rest of the
// configuration at start-up (src/configuration.ts) so an error names the variable.
import crypto from 'crypto'
import net from 'net'

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and `localhost`: the interfaces protected mode allows. */
export function isLoopbackHost(host: string): boolean {
  const name = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
  if (name === 'localhost' || name.endsWith('.localhost')) return true
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name
  if (net.isIPv4(v4)) return v4.split('.')[0] === '127'
  if (net.isIPv6(name)) return /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(name)
  return false
}

/** The public key of AUTH_JWT_PUBLIC_KEY and the one algorithm it may verify (RS256 or ES256). */
export function platformKeyAlgorithm(pem: string): 'RS256' | 'ES256' {
  let key: crypto.KeyObject
  try {
    key = crypto.createPublicKey(pem)
  } catch {
    throw new Error('a value that is not a PEM public key (-----BEGIN PUBLIC KEY----- …)')
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256'
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
  throw new Error(
    `a ${key.asymmetricKeyType} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''} (RS256 needs RSA, ES256 an EC P-256 key)`
  )
}

/**
 * The rules between settings. Protected mode (as Redis has it): without authentication the
 * server only listens on loopback, because every request acts as the local user.
 */
export function authProblems(settings: Record<string, unknown>): string[] {
  const problems: string[] = []
  if (settings.auth === 'off' && typeof settings.host === 'string' && !isLoopbackHost(settings.host)) {
    problems.push(
      `protected mode: HOST=${settings.host} is not a loopback address, and with AUTH=off every request acts as the local user. ` +
        'To serve on a network set AUTH=required (with AUTH_SECRET, at least 32 characters); to stay on this machine set HOST=127.0.0.1 (the default)'
    )
  }
  if (settings.auth === 'required' && settings.authSecret === undefined) {
    problems.push(
      'authSecret (AUTH_SECRET) must be set when AUTH=required: at least 32 characters, the same on every instance (e.g. `openssl rand -base64 48`)'
    )
  }
  if (typeof settings.authJwtPublicKey === 'string') {
    try {
      platformKeyAlgorithm(settings.authJwtPublicKey)
    } catch (error) {
      problems.push(
        `authJwtPublicKey (AUTH_JWT_PUBLIC_KEY) must be a PEM public key for RS256 (RSA) or ES256 (EC P-256), got ${error instanceof Error ? error.message : 'an unreadable key'}`
      )
    }
  }
  return problems
}
