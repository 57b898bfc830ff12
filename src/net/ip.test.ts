import { describe, expect, it } from 'vitest';
import { classifyAddress, isIpLiteral, isPublicAddress } from './ip.ts';

describe('classifyAddress', () => {
  it.each([
    ['14.23.150.211', 'public'],
    ['2408:8000::1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['fe80::1', 'link_local'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it('accepts only public addresses as payer IPs', () => {
    expect(isPublicAddress('101.226.103.14')).toBe(true);
    expect(isPublicAddress('127.0.0.1')).toBe(false);
  });

  it('recognises IP literals strictly', () => {
    expect(isIpLiteral('1.2.3.4')).toBe(true);
    expect(isIpLiteral('01.2.3.4')).toBe(false);
    expect(isIpLiteral('example.com')).toBe(false);
    expect(isIpLiteral('::1')).toBe(true);
  });
});
