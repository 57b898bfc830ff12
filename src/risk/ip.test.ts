import { describe, expect, it } from 'vitest';
import { parseIp } from './ip.ts';

describe('parseIp', () => {
  it('gives an IPv4 address its /24 network', () => {
    expect(parseIp('203.0.113.7')).toEqual({ ip: '203.0.113.7', version: 4, network: '203.0.113.0/24' });
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 payer', () => {
    expect(parseIp('::FFFF:198.51.100.20')).toEqual({ ip: '198.51.100.20', version: 4, network: '198.51.100.0/24' });
  });

  it('canonicalises IPv6 and gives it its /48 network', () => {
    expect(parseIp('2001:0DB8:0001:0002:0000:0000:0000:0001')).toEqual({
      ip: '2001:db8:1:2::1',
      version: 6,
      network: '2001:db8:1::/48',
    });
    expect(parseIp('2408:8000::1')?.network).toBe('2408:8000::/48');
    expect(parseIp('::1')).toEqual({ ip: '::1', version: 6, network: '::/48' });
  });

  it('compresses only the longest run of zero groups', () => {
    expect(parseIp('2001:0:0:1:0:0:0:1')?.ip).toBe('2001:0:0:1::1');
    expect(parseIp('2001:db8:0:1:1:1:1:1')?.ip).toBe('2001:db8:0:1:1:1:1:1');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'localhost', '256.1.1.1', '01.2.3.4', '1.2.3.004', '1.2.3', '1.2.3.4:80', '203.0.113.0/24', 'fe80::1%eth0']) {
      expect(parseIp(bad)).toBeNull();
    }
  });
});
