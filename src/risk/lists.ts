import { BlockList } from 'node:net';
import { z } from 'zod';
import type { ListFlag } from './facts.ts';
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

/** Lists compiled for lookup: a BlockList answers CIDR membership without scanning. */
export interface CompiledRiskLists {
  flags(subject: RiskListSubject): Record<ListFlag, boolean>;
}

interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

function parseCidr(text: string): Cidr | null {
  const [addr, prefixText, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return null;
  const parsed = parseIp(addr);
  if (!parsed) return null;
  const max = parsed.version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return null;
  return { address: parsed.ip, prefix, family: parsed.version === 4 ? 'ipv4' : 'ipv6' };
}

function buildBlockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

function ipIn(list: BlockList, size: number, ip: string): boolean {
  if (size === 0 || ip === '') return false;
  const parsed = parseIp(ip);
  return parsed !== null && list.check(parsed.ip, parsed.version === 4 ? 'ipv4' : 'ipv6');
}

export function compileRiskLists(input: RiskListsInput = {}): CompiledRiskLists {
  const lists = riskListsSchema.parse(input);
  const ipBlock = buildBlockList(lists.ip_block);
  const ipAllow = buildBlockList(lists.ip_allow);
  const deviceBlock = new Set(lists.device_block);
  const deviceAllow = new Set(lists.device_allow);
  const openidBlock = new Set(lists.openid_block);
  const openidAllow = new Set(lists.openid_allow);
  return {
    flags: (s) => ({
      ip_blocked: ipIn(ipBlock, lists.ip_block.length, s.ip),
      ip_allowed: ipIn(ipAllow, lists.ip_allow.length, s.ip),
      device_blocked: s.device_id !== '' && deviceBlock.has(s.device_id),
      device_allowed: s.device_id !== '' && deviceAllow.has(s.device_id),
      openid_blocked: s.payer_openid !== '' && openidBlock.has(s.payer_openid),
      openid_allowed: s.payer_openid !== '' && openidAllow.has(s.payer_openid),
    }),
  };
}

export const emptyRiskLists: CompiledRiskLists = compileRiskLists();
