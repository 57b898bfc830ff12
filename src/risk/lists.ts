import { z } from 'zod';
import type { ListFlag } from './facts.ts';
import { CidrSet, parseCidr } from './cidr-set.ts';
import { parseIp } from './ip.ts';

/**
 * Allow and block lists. IP entries may be single addresses or CIDR ranges (v4 or v6); device ids
 * and openids are matched exactly. Rules read the results as `lists.ip_blocked`, `lists.device_allowed`…
 */
const ipOrCidr = z.string().trim().refine((s) => parseCidr(s) !== null, {
  message: 'expected an IP address or a CIDR range such as 203.0.113.0/24',
});
const idEntry = z.string().trim().min(1).max(128);

export const riskListsSchema = z.strictObject({
  ip_block: z.array(ipOrCidr).max(100_000).default([]),
  ip_allow: z.array(ipOrCidr).max(100_000).default([]),
  device_block: z.array(idEntry).max(100_000).default([]),
  device_allow: z.array(idEntry).max(100_000).default([]),
  openid_block: z.array(idEntry).max(100_000).default([]),
  openid_allow: z.array(idEntry).max(100_000).default([]),
});
export type RiskListsInput = z.input<typeof riskListsSchema>;

export interface RiskListSubject {
  ip: string;
  device_id: string;
  payer_openid: string;
}

/** Lists compiled for lookup: CIDR membership is a few hash probes (cidr-set.ts). */
export interface CompiledRiskLists {
  flags(subject: RiskListSubject): Record<ListFlag, boolean>;
}

function buildCidrSet(entries: readonly string[]): CidrSet {
  const set = new CidrSet();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (cidr) set.add(cidr);
  }
  return set;
}

function ipIn(set: CidrSet, ip: string): boolean {
  if (set.size === 0 || ip === '') return false;
  const parsed = parseIp(ip);
  return parsed !== null && set.has(parsed);
}

export function compileRiskLists(input: RiskListsInput = {}): CompiledRiskLists {
  const lists = riskListsSchema.parse(input);
  const ipBlock = buildCidrSet(lists.ip_block);
  const ipAllow = buildCidrSet(lists.ip_allow);
  const deviceBlock = new Set(lists.device_block);
  const deviceAllow = new Set(lists.device_allow);
  const openidBlock = new Set(lists.openid_block);
  const openidAllow = new Set(lists.openid_allow);
  return {
    flags: (s) => ({
      ip_blocked: ipIn(ipBlock, s.ip),
      ip_allowed: ipIn(ipAllow, s.ip),
      device_blocked: s.device_id !== '' && deviceBlock.has(s.device_id),
      device_allowed: s.device_id !== '' && deviceAllow.has(s.device_id),
      openid_blocked: s.payer_openid !== '' && openidBlock.has(s.payer_openid),
      openid_allowed: s.payer_openid !== '' && openidAllow.has(s.payer_openid),
    }),
  };
}

export const emptyRiskLists: CompiledRiskLists = compileRiskLists();
