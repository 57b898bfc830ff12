import { describe, expect, it } from 'vitest';
import { compileRiskLists, riskListsSchema } from './lists.ts';

const subject = (ip: string, device_id = '', payer_openid = '') => ({ ip, device_id, payer_openid });

describe('compileRiskLists', () => {
  const lists = compileRiskLists({
    ip_block: ['198.51.100.0/24', '203.0.113.9', '2001:db8:bad::/48'],
    ip_allow: ['10.0.0.0/8'],
    device_block: ['dev_evil'],
    device_allow: ['dev_boss'],
    openid_block: ['o_fraud'],
    openid_allow: ['o_vip'],
  });

  it('matches IPs inside a blocked CIDR or equal to a blocked address', () => {
    expect(lists.flags(subject('198.51.100.200')).ip_blocked).toBe(true);
    expect(lists.flags(subject('203.0.113.9')).ip_blocked).toBe(true);
    expect(lists.flags(subject('203.0.113.10')).ip_blocked).toBe(false);
    expect(lists.flags(subject('2001:db8:bad:42::1')).ip_blocked).toBe(true);
    expect(lists.flags(subject('2001:db8:bae::1')).ip_blocked).toBe(false);
    expect(lists.flags(subject('10.20.30.40')).ip_allowed).toBe(true);
  });

  it('matches devices and openids exactly, and never an empty one', () => {
    expect(lists.flags(subject('1.1.1.1', 'dev_evil', 'o_vip'))).toEqual({
      ip_blocked: false,
      ip_allowed: false,
      device_blocked: true,
      device_allowed: false,
      openid_blocked: false,
      openid_allowed: true,
    });
    expect(lists.flags(subject('1.1.1.1', 'dev_evil2', '')).device_blocked).toBe(false);
  });

  it('refuses malformed entries with a clear message', () => {
    const result = riskListsSchema.safeParse({ ip_block: ['300.1.1.0/24', '1.2.3.0/33', 'not-an-ip'] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['ip_block.0', 'ip_block.1', 'ip_block.2']);
    expect(result.error!.issues[0]!.message).toMatch(/CIDR/);
  });
});
