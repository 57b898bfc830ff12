import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAYMENT_STATUSES, canTransition, isTerminal, statusAfterRefunds, statusForTradeState, refundStatusForWechat } from './payment-status.ts';
import { checkRefundIntegrity, checkTransactionIntegrity } from './integrity.ts';

describe('payment state machine', () => {
  it('never leaves a terminal state', () => {
    for (const from of PAYMENT_STATUSES) {
      if (!isTerminal(from)) continue;
      for (const to of PAYMENT_STATUSES) expect(canTransition(from, to)).toBe(false);
    }
  });

  it('lets a paid payment move only towards refunded', () => {
    expect(canTransition('succeeded', 'closed')).toBe(false);
    expect(canTransition('succeeded', 'partially_refunded')).toBe(true);
    expect(canTransition('pending', 'succeeded')).toBe(true);
    expect(canTransition('closed', 'succeeded')).toBe(false);
  });

  it('maps WeChat trade states', () => {
    expect(statusForTradeState('SUCCESS')).toBe('succeeded');
    expect(statusForTradeState('NOTPAY')).toBeNull();
    expect(statusForTradeState('CLOSED')).toBe('closed');
    expect(statusForTradeState('PAYERROR')).toBe('failed');
    expect(refundStatusForWechat('ABNORMAL')).toBe('abnormal');
  });

  it('derives the refund status from cumulative refunds (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 1e9 }), (amount, refunded) => {
        const r = Math.min(refunded, amount);
        const s = statusAfterRefunds(amount, r);
        return r === 0 ? s === 'succeeded' : r === amount ? s === 'refunded' : s === 'partially_refunded';
      }),
    );
  });
});

describe('integrity checks', () => {
  const expected = { mchid: '1230000109', appid: 'wxd678efh567hg6787', out_trade_no: 'T123456', amount: 100, currency: 'CNY' };

  it('accepts a transaction that matches the order', () => {
    expect(checkTransactionIntegrity(expected, { mchid: '1230000109', appid: 'wxd678efh567hg6787', out_trade_no: 'T123456', amount: { total: 100, currency: 'CNY' } })).toEqual([]);
  });

  it('names every field that differs', () => {
    const m = checkTransactionIntegrity(expected, { mchid: '999', appid: 'wxd678efh567hg6787', out_trade_no: 'T123456', amount: { total: 1, currency: 'USD' } });
    expect(m.map((x) => x.field).sort()).toEqual(['amount', 'currency', 'mchid']);
  });

  it('treats a missing amount as a mismatch', () => {
    expect(checkTransactionIntegrity(expected, { mchid: '1230000109', appid: 'wxd678efh567hg6787', out_trade_no: 'T123456' }).map((x) => x.field)).toEqual(['amount']);
  });

  it('checks refund answers against the refund asked for', () => {
    const e = { out_trade_no: 'T123456', out_refund_no: 'R1', refund: 50, total: 100 };
    expect(checkRefundIntegrity(e, { out_trade_no: 'T123456', out_refund_no: 'R1', amount: { refund: 50, total: 100 } })).toEqual([]);
    expect(checkRefundIntegrity(e, { out_trade_no: 'T123456', out_refund_no: 'R1', amount: { refund: 60, total: 100 } })[0]?.field).toBe('amount.refund');
  });
});
