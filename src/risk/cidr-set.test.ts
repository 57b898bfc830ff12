import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CidrSet, parseCidr } from './cidr-set.ts';
import { parseIp } from './ip.ts';

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
const v6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));

describe('CidrSet', () => {
  it('answers like node:net BlockList for random IPv4 and IPv6 ranges and addresses', () => {
    const cidrArb = fc.oneof(
      fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, p]) => `${a}/${p}`),
      fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, p]) => `${a}/${p}`),
      v4,
    );
    fc.assert(
      fc.property(fc.array(cidrArb, { maxLength: 8 }), fc.array(fc.oneof(v4, v6), { minLength: 1, maxLength: 10 }), (cidrs, probes) => {
        const set = new CidrSet();
        // One oracle per family: BlockList also matches IPv4 probes against IPv6 ranges covering
        // ::ffff:0:0/96, while Anfu treats the two families apart (mapped addresses become IPv4).
        const oracle = { 4: new BlockList(), 6: new BlockList() };
        for (const text of cidrs) {
          const c = parseCidr(text)!;
          set.add(c);
          oracle[c.ip.version].addSubnet(c.ip.ip, c.prefix, c.ip.version === 4 ? 'ipv4' : 'ipv6');
        }
        // Probe inside the ranges too, not only at random.
        const inside = cidrs.map((t) => t.split('/')[0]!);
        for (const text of [...probes, ...inside]) {
          const ip = parseIp(text)!;
          expect(set.has(ip)).toBe(oracle[ip.version].check(ip.ip, ip.version === 4 ? 'ipv4' : 'ipv6'));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps IPv4 and IPv6 apart and treats /0 as everything of its family', () => {
    const set = new CidrSet();
    set.add(parseCidr('0.0.0.0/0')!);
    expect(set.has(parseIp('8.8.8.8')!)).toBe(true);
    expect(set.has(parseIp('2001:db8::1')!)).toBe(false);
  });

  it('refuses malformed ranges', () => {
    for (const bad of ['1.2.3.4/33', '2001:db8::/129', '1.2.3.4/', '1.2.3.4/a', '1.2.3.4/8/8', 'x/8']) expect(parseCidr(bad)).toBeNull();
  });
});
