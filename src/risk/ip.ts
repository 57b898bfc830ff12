import { isIP } from 'node:net';

/**
 * Payer IP helpers. The network prefix groups payers behind one carrier NAT or one hosting range:
 * /24 for IPv4 and /48 for IPv6 (the usual size of one site's allocation).
 */
export interface ParsedIp {
  /** Canonical text form (IPv6 compressed, lower case). */
  ip: string;
  version: 4 | 6;
  /** "203.0.113.0/24" or "2001:db8:1::/48". */
  network: string;
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The common case, on every decision: a plain dotted quad, without leading zeros (as isIP). */
function parseIpv4(text: string): ParsedIp | null {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return null;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (Number(part) > 255 || (part.length > 1 && part[0] === '0')) return null;
  }
  return { ip: text, version: 4, network: `${m[1]}.${m[2]}.${m[3]}.0/24` };
}

/** Returns null for anything that is not an IP literal (no zone ids, no ports). */
export function parseIp(raw: string): ParsedIp | null {
  const text = raw.trim();
  const v4 = parseIpv4(text);
  if (v4) return v4;
  // A zone id ("fe80::1%eth0") names an interface of this host; it never belongs to a remote payer.
  if (text.includes('%')) return null;
  const mapped = MAPPED_V4.exec(text);
  // An IPv4-mapped IPv6 address is the same payer as the IPv4 one; counting them apart would split bursts.
  const candidate = mapped?.[1] ?? text;
  const version = isIP(candidate);
  if (version === 4) {
    const octets = candidate.split('.').map(Number);
    const ip = octets.join('.');
    return { ip, version: 4, network: `${octets.slice(0, 3).join('.')}.0/24` };
  }
  if (version === 6) {
    const groups = expandIpv6(candidate);
    if (!groups) return null;
    return {
      ip: compressIpv6(groups),
      version: 6,
      network: `${compressIpv6([...groups.slice(0, 3), 0, 0, 0, 0, 0])}/48`,
    };
  }
  return null;
}

/** Eight 16-bit groups; handles "::" and a trailing dotted IPv4 part. */
function expandIpv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted?.[1]) {
    const o = dotted[1].split('.').map(Number);
    s = `${s.slice(0, -dotted[1].length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = s.includes('::') ? 8 - left.length - right.length : 0;
  const parts = [...left, ...Array<string>(fill).fill('0'), ...right];
  if (parts.length !== 8) return null;
  return parts.map((p) => parseInt(p, 16));
}

/** RFC 5952 text form: longest run (≥ 2) of zero groups becomes "::". */
function compressIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
