import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimState, type SimOrder } from './state.ts';

function order(no: string, state: SimOrder['trade_state'] = 'NOTPAY'): SimOrder {
  return {
    appid: 'wx1', mchid: '1900000001', out_trade_no: no, description: 'd', notify_url: 'https://x/n',
    amount: { total: 100, currency: 'CNY' }, scene_info: { payer_client_ip: '14.23.150.211', h5_info: { type: 'Wap' } },
    fingerprint: '{}', created_at: 1, trade_state: state,
  };
}

describe('simulator state journal', () => {
  it('keeps every put across a reopen without a clean shutdown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
    const a = SimState.open(dir);
    a.putOrder(order('A000001'));
    a.putOrder(order('A000001', 'SUCCESS'));
    a.putOrder(order('B000002'));
    // No save(): only the journal holds these changes, as after a crash.
    const b = SimState.open(dir);
    expect(b.order('A000001')?.trade_state).toBe('SUCCESS');
    expect(b.orders().map((o) => o.out_trade_no).sort()).toEqual(['A000001', 'B000002']);
  });

  it('ignores a journal line torn by a crash and compacts on open', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
    const a = SimState.open(dir);
    a.putOrder(order('C000003'));
    appendFileSync(join(dir, 'state.json.journal'), '{"k":"order","v":{"out_trade_no":"TORN');
    const b = SimState.open(dir);
    expect(b.orders().map((o) => o.out_trade_no)).toEqual(['C000003']);
    expect(readFileSync(join(dir, 'state.json.journal'), 'utf8')).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).orders.C000003.out_trade_no).toBe('C000003');
  });

  it('keeps undelivered notifications across a reopen until they are done, and reads older state files without them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-state-'));
    const a = SimState.open(dir);
    const n = { id: 'n1', body: '{}', url: 'https://x/n', event_type: 'TRANSACTION.SUCCESS' as const, out_trade_no: 'A000001', attempt: 0, next_at: 5 };
    a.putPendingNotification(n);
    a.putPendingNotification({ ...n, id: 'n2' });
    a.putPendingNotification({ ...n, attempt: 3, next_at: 9 });
    a.notificationDone('n2');
    const b = SimState.open(dir);
    expect(b.pendingNotifications()).toEqual([{ ...n, attempt: 3, next_at: 9 }]);
    b.notificationDone('n1');
    expect(SimState.open(dir).pendingNotifications()).toEqual([]);

    const old = mkdtempSync(join(tmpdir(), 'sim-state-'));
    writeFileSync(join(old, 'state.json'), JSON.stringify({ version: 1, orders: {}, prepays: {}, refunds: {} }));
    expect(SimState.open(old).pendingNotifications()).toEqual([]);
  });
});
