import ipaddr from 'ipaddr.js';

/**
 * Address classification for two checks: a payer's IP sent to WeChat must be a real public address
 * (127.0.0.1 makes WeChat's cashier fail), and outbound webhooks must never reach private, loopback,
 * link-local or otherwise reserved addresses (SSRF, ASVS 1.3.6).
 */
export type AddressClass = 'public' | 'private' | 'loopback' | 'link_local' | 'reserved' | 'invalid';

export function classifyAddress(ip: string): AddressClass {
  if (!ipaddr.isValid(ip)) return 'invalid';
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    addr = (addr as ipaddr.IPv6).toIPv4Address();
  }
  const range = addr.range();
  switch (range) {
    case 'unicast':
      return 'public';
    case 'private':
    case 'uniqueLocal':
    case 'carrierGradeNat':
      return 'private';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link_local';
    default:
      // unspecified, broadcast, multicast, reserved, benchmarking, 6to4/teredo, discard, …
      return 'reserved';
  }
}

export function isPublicAddress(ip: string): boolean {
  return classifyAddress(ip) === 'public';
}

/** Strict textual IP check (no hostnames, no leading zeros in IPv4 octets). */
export function isIpLiteral(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s) || (s.includes(':') && ipaddr.IPv6.isValid(s));
}
