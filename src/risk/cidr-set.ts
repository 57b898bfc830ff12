import { parseIp, type ParsedIp } from './ip.ts';

/**
 * A set of IP addresses and CIDR ranges answering "is this address inside any of them". Ranges are
 * grouped by prefix length, so a lookup is one hash probe per distinct length in the list (a few),
 * whatever the list's size. node:net's BlockList scans its rules and allocates per check, which was
 * the single largest cost of a decision in the benchmark.
 */
export interface Cidr {
  ip: ParsedIp;
  prefix: number;
}

export function parseCidr(text: string): Cidr | null {
  const [addr, prefixText, extra] = text.trim().split('/');
  if (addr === undefined || extra !== undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  return prefix > max ? null : { ip, prefix };
}

/** From parseIp's canonical text form, so the simple splitting here is safe. */
function ipv6Bits(ip: string): bigint {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(parseInt(g, 16));
  return n;
}

export class CidrSet {
  /** IPv4: prefix length → set of network numbers (address >>> (32 - prefix)), plain numbers. */
  readonly #v4 = new Map<number, Set<number>>();
  /** IPv6: the same with bigints. */
  readonly #v6 = new Map<number, Set<bigint>>();
  #size = 0;

  add(cidr: Cidr): void {
    this.#size++;
    if (cidr.ip.version === 4) {
      let nets = this.#v4.get(cidr.prefix);
      if (!nets) this.#v4.set(cidr.prefix, (nets = new Set()));
      nets.add(v4Network(ipv4Number(cidr.ip.ip), cidr.prefix));
      return;
    }
    let nets = this.#v6.get(cidr.prefix);
    if (!nets) this.#v6.set(cidr.prefix, (nets = new Set()));
    nets.add(ipv6Bits(cidr.ip.ip) >> BigInt(128 - cidr.prefix));
  }

  get size(): number {
    return this.#size;
  }

  has(ip: ParsedIp): boolean {
    if (ip.version === 4) {
      if (this.#v4.size === 0) return false;
      const n = ipv4Number(ip.ip);
      for (const [prefix, nets] of this.#v4) if (nets.has(v4Network(n, prefix))) return true;
      return false;
    }
    if (this.#v6.size === 0) return false;
    const n = ipv6Bits(ip.ip);
    for (const [prefix, nets] of this.#v6) if (nets.has(n >> BigInt(128 - prefix))) return true;
    return false;
  }
}

function ipv4Number(ip: string): number {
  let n = 0;
  for (const octet of ip.split('.')) n = n * 256 + Number(octet);
  return n;
}

/** `>>> 32` is a no-op in JavaScript, so the /0 network is spelled out. */
function v4Network(n: number, prefix: number): number {
  return prefix === 0 ? 0 : n >>> (32 - prefix);
}
