import { describe, expect, it } from 'vitest';
import { webhookBody, webhookPolicy } from './deliver-webhook.ts';

describe('webhook delivery rules', () => {
  it('allows loopback only when both the deployment and the merchant are sandboxes', () => {
    expect(webhookPolicy('sandbox', 'sandbox').allowLoopback).toBe(true);
    expect(webhookPolicy('sandbox', 'live').allowLoopback).toBe(false);
    expect(webhookPolicy('live', 'sandbox').allowLoopback).toBe(false);
    expect(webhookPolicy('live', 'live').allowLoopback).toBe(false);
  });

  it('sends {id, type, created_at, data} from the outbox row, nothing internal', () => {
    const body = webhookBody({
      id: 'evt_1',
      merchant_id: 'mer_1',
      type: 'payment.succeeded',
      payload: { type: 'payment.succeeded', timestamp: 'x', data: { payment: { id: 'pay_1', amount: 100 } } },
      dedup_key: 'payment.succeeded:pay_1',
      created_at: new Date('2025-01-02T03:04:05.000Z'),
    });
    expect(JSON.parse(body)).toEqual({ id: 'evt_1', type: 'payment.succeeded', created_at: '2025-01-02T03:04:05.000Z', data: { payment: { id: 'pay_1', amount: 100 } } });
  });
});
