/**
 * How often unsettled payments and refunds are asked about at WeChat. WeChat delivery is not
 * guaranteed (spec §3.4: "always add active querying"), so every pending order is queried on a
 * lengthening schedule until it settles or expires; a payment close to its expiry is visited right
 * after it, so it is closed at WeChat promptly and nobody can pay it late.
 */
export const DEFAULT_PAYMENT_QUERY_INTERVALS_MS: readonly number[] = [
  15_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 30 * 60_000, 3600_000,
];
/** Refunds stay PROCESSING for minutes to days (bank refunds: 1–3 working days). */
export const DEFAULT_REFUND_QUERY_INTERVALS_MS: readonly number[] = [
  30_000, 60_000, 5 * 60_000, 15 * 60_000, 3600_000, 3 * 3600_000,
];
/** Visit an expired payment this soon after its expiry. */
export const EXPIRY_GRACE_MS = 2_000;

/** When to look again after query number `attempts` + 1 (the last interval repeats). */
export function nextQueryAt(nowMs: number, attempts: number, intervals: readonly number[], expiresAtMs?: number): Date {
  const i = Math.min(Math.max(attempts, 0), intervals.length - 1);
  let next = nowMs + (intervals[i] as number);
  if (expiresAtMs !== undefined && expiresAtMs > nowMs) next = Math.min(next, expiresAtMs + EXPIRY_GRACE_MS);
  return new Date(next);
}
