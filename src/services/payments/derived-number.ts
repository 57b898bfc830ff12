import { createHash } from 'node:crypto';
import { randomAlnum } from '../../lib/ids.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A merchant number (out_trade_no / out_refund_no) we generate for the merchant. With a seed (the
 * merchant id, the Idempotency-Key and the request fingerprint) it is derived, not random: a retry of
 * a request whose first attempt ended in an unknown outcome — and whose key was therefore released —
 * arrives at the same number, finds the reserved row, and resumes it instead of creating a second order.
 */
export function merchantNumber(length: number, seed?: string): string {
  if (seed === undefined) return randomAlnum(length);
  let out = '';
  for (let round = 0; out.length < length; round++) {
    const digest = createHash('sha256').update(`${round}:${seed}`).digest();
    for (const b of digest) {
      if (out.length === length) break;
      out += ALNUM[b % 62];
    }
  }
  return out;
}
