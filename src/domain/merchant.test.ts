import { describe, expect, it } from 'vitest';
import { hostAllowed, isBareHost, isLiveH5Domain } from './merchant.ts';

describe('merchant H5 domains', () => {
  it('accepts bare hostnames and IPv4 addresses', () => {
    for (const h of ['shop.example.com', 'localhost', '127.0.0.1', 'a-b.c0.cn', 'xn--fiqs8s.cn']) expect(isBareHost(h)).toBe(true);
  });

  it('rejects schemes, ports, paths, upper case, wildcards and malformed labels', () => {
    for (const h of ['https://shop.example.com', 'shop.example.com:443', 'shop.example.com/pay', 'Shop.example.com', '*.example.com', '-a.com', 'a-.com', 'a..com', '', '256.1.1.1', 'shop.example.com.']) {
      expect(isBareHost(h)).toBe(false);
    }
  });

  it('requires a public DNS name for live mode', () => {
    expect(isLiveH5Domain('shop.example.com')).toBe(true);
    for (const h of ['localhost', '127.0.0.1', 'intranet', 'a.localhost']) expect(isLiveH5Domain(h)).toBe(false);
  });

  it('matches hosts exactly, never by suffix', () => {
    expect(hostAllowed('shop.example.com', ['shop.example.com'])).toBe(true);
    expect(hostAllowed('SHOP.example.com', ['shop.example.com'])).toBe(true);
    expect(hostAllowed('evil.shop.example.com', ['shop.example.com'])).toBe(false);
    expect(hostAllowed('example.com', ['shop.example.com'])).toBe(false);
  });
});
