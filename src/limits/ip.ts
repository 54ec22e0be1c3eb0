// The client's address, by one rule for REST and socket.io. Without TRUST_PROXY: the TCP peer.
// With TRUST_PROXY=true: the right-most X-Forwarded-For entry, i.e. the address the proxy in front
// of us saw (koa's app.proxy with maxIpsCount 1). Entries left of it were written by the client
// and would let it pick a fresh address per request. One trusted proxy hop is assumed.
// IPv4-mapped IPv6 (::ffff:1.2.3.4) is written as IPv4, so both transports name a client alike.
import net from 'net'
import type { IncomingHttpHeaders } from 'http'

export function normalizeIp(address: string | undefined): string {
  const trimmed = (address ?? '').trim()
  if (!trimmed) return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)
  return mapped ? mapped[1] : trimmed
}

/** The right-most entry of X-Forwarded-For (a repeated header is joined with commas by Node). */
export function lastForwardedFor(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(',') : header
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
  return entries[entries.length - 1]
}

/** A socket.io handshake's client address. */
export function handshakeIp(handshake: { address: string; headers: IncomingHttpHeaders }, trustProxy: boolean): string {
  const forwarded = trustProxy ? lastForwardedFor(handshake.headers['x-forwarded-for']) : undefined
  return normalizeIp(forwarded ?? handshake.address)
}

/**
 * The key a per-address limit counts under: an IPv4 address as it is, an IPv6 address by its /64
 * (one host usually holds a whole /64 and could otherwise take a new address per request).
 */
export function addressKey(ip: string): string {
  const address = ip.replace(/%.*$/, '')
  if (!net.isIPv6(address)) return address
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined]
  const groups = (part: string | undefined) =>
    (part ? part.split(':') : []).flatMap((group) => {
      if (!group.includes('.')) return [group]
      // An embedded IPv4 (::1.2.3.4) is two groups.
      const [a, b, c, d] = group.split('.').map(Number)
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)]
    })
  const left = groups(head)
  const right = groups(tail)
  const full = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  return `${full
    .slice(0, 4)
    .map((group) => parseInt(group || '0', 16).toString(16))
    .join(':')}::/64`
}
