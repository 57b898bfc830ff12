import type { VelocityDimension, VelocityFamily } from './facts.ts';
import type { ParsedIp } from './ip.ts';
import type { PaymentRiskInput } from './payment-input.ts';
import type { VelocityEvent } from './velocity/store.ts';

/**
 * How a payment maps onto velocity series. Each family counts one kind of event, keyed by each
 * dimension; each dimension counts one distinct companion (devices per IP, IPs per device…),
 * the pairing that reveals one actor hopping across identities.
 */
export type VelocityEventKind = 'attempt' | 'failure' | 'success';

export const FAMILY_EVENT: Record<VelocityFamily, VelocityEventKind> = {
  velocity: 'attempt',
  failures: 'failure',
  successes: 'success',
};

export interface PaymentSubject {
  input: PaymentRiskInput;
  ip: ParsedIp;
}

function dimensionValue(subject: PaymentSubject, dim: VelocityDimension): string {
  switch (dim) {
    case 'ip':
      return subject.ip.ip;
    case 'device':
      return subject.input.device_id ?? '';
    case 'payer':
      return subject.input.payer_openid ?? '';
    case 'merchant':
      return subject.input.merchant_id;
  }
}

function distinctValue(subject: PaymentSubject, dim: VelocityDimension): string {
  switch (dim) {
    case 'ip':
    case 'payer':
      return subject.input.device_id ?? '';
    case 'device':
    case 'merchant':
      return subject.ip.ip;
  }
}

/** The series key, or null when the payment has no value for the dimension (no device id, say). */
export function seriesKey(kind: VelocityEventKind, dim: VelocityDimension, subject: PaymentSubject): string | null {
  const value = dimensionValue(subject, dim);
  // Merchant ids are scoped per merchant already; others are global on purpose: one IP hammering
  // several merchants of this gateway is exactly what a burst rule should see.
  return value === '' ? null : `${kind}:${dim}:${value}`;
}

export function eventsFor(
  kind: VelocityEventKind,
  dims: readonly VelocityDimension[],
  subject: PaymentSubject,
  at: number,
): VelocityEvent[] {
  const events: VelocityEvent[] = [];
  for (const dim of dims) {
    const series = seriesKey(kind, dim, subject);
    if (series === null) continue;
    const distinct = distinctValue(subject, dim);
    events.push({
      series,
      id: subject.input.payment_id,
      at,
      amount: subject.input.amount,
      distinct: distinct === '' ? undefined : distinct,
    });
  }
  return events;
}
