import { describe, expect, it } from 'vitest';
import { asPage } from './normalize.ts';
import { categorize, decisionEntries, summarize, timelineItems } from './timeline.ts';

describe('timeline', () => {
  it('puts each entry in the category an operator looks for', () => {
    expect(categorize({ at: '', source: 'payment', kind: 'wechat_accepted' })).toBe('wechat_call');
    expect(categorize({ at: '', source: 'payment', kind: 'succeeded', data: { source: 'notification' } })).toBe('notification');
    expect(categorize({ at: '', source: 'payment', kind: 'succeeded', data: { source: 'query' } })).toBe('wechat_call');
    expect(categorize({ at: '', source: 'payment', kind: 'risk_review_opened' })).toBe('risk_decision');
    expect(categorize({ at: '', source: 'risk', kind: 'review' })).toBe('risk_decision');
    expect(categorize({ at: '', source: 'webhook_delivery', kind: 'delivery.succeeded' })).toBe('webhook');
    expect(categorize({ at: '', source: 'refund', kind: 'refund.succeeded' })).toBe('refund');
    expect(categorize({ at: '', source: 'payment', kind: 'created' })).toBe('status');
  });
  it('orders by time and flattens data to one line', () => {
    const items = timelineItems([
      { at: '2026-01-01T00:00:02Z', source: 'payment', kind: 'b', data: { amount: 100, nested: { x: 1 }, none: null } },
      { at: '2026-01-01T00:00:01Z', source: 'payment', kind: 'a' },
    ]);
    expect(items.map((i) => i.kind)).toEqual(['a', 'b']);
    expect(items[1]!.summary).toBe('amount=100');
    expect(summarize(undefined)).toBe('');
  });
});

describe('asPage', () => {
  it('reads a list with has_more as a cursor after the last id', () => {
    expect(asPage({ object: 'list', data: [{ id: 'pay_1' }, { id: 'pay_2' }], has_more: true })).toEqual({ items: [{ id: 'pay_1' }, { id: 'pay_2' }], next_cursor: 'pay_2' });
    expect(asPage({ object: 'list', data: [{ id: 'pay_1' }], has_more: false }).next_cursor).toBeNull();
  });
  it('prefers an explicit next_cursor', () => {
    expect(asPage({ data: [{ seq: 9 }], has_more: true, next_cursor: '9' }).next_cursor).toBe('9');
  });
});

describe('decisionEntries', () => {
  it('shows phase, action, score and fired rules as risk-decision entries', () => {
    const [e] = decisionEntries([
      { created_at: '2026-01-01T00:00:00Z', phase: 'post_payment', action: 'review', score: 40, rule_set_version: 3, fired: [{ rule_id: 'large-amount' }], shadow_fired: [] },
    ]);
    expect(e).toEqual({ at: '2026-01-01T00:00:00Z', source: 'risk', kind: 'post_payment.review', data: { score: 40, rules: 'large-amount', shadow: null, version: 3 } });
    expect(categorize(e!)).toBe('risk_decision');
    expect(summarize(e!.data)).toBe('score=40 · rules=large-amount · version=3');
  });
});
