import { describe, expect, it } from 'vitest';
import { buildTradeBill } from './bill.ts';
import type { SimOrder, SimRefund } from './state.ts';

const at = (iso: string): number => Date.parse(iso);

const order: SimOrder = {
  appid: 'wxd678efh567hg6787',
  mchid: '1230000109',
  out_trade_no: 'ORDER000001',
  description: '公仔',
  notify_url: 'https://example.com/n',
  amount: { total: 1999, currency: 'CNY' },
  scene_info: { payer_client_ip: '1.2.3.4', h5_info: { type: 'Wap' } },
  fingerprint: '',
  created_at: at('2024-03-01T15:50:00Z'),
  trade_state: 'REFUND',
  transaction_id: '4200000000202403020000000001',
  success_time: at('2024-03-01T16:30:00Z'), // 00:30 on 2 March in China
  payer_openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
};
const refund: SimRefund = {
  refund_id: '50000000000000000000000000001',
  out_refund_no: 'R1',
  out_trade_no: 'ORDER000001',
  transaction_id: order.transaction_id!,
  fingerprint: '',
  amount: { refund: 500, total: 1999, currency: 'CNY' },
  status: 'SUCCESS',
  create_time: at('2024-03-02T01:00:00Z'),
  success_time: at('2024-03-02T02:00:00Z'),
};

describe('buildTradeBill', () => {
  it('groups by China-time day and writes back-ticked rows in yuan with summary rows', () => {
    const csv = buildTradeBill({ date: '2024-03-02', type: 'ALL', orders: [order], refunds: [refund] })!;
    expect(csv.startsWith('\uFEFF交易时间,')).toBe(true);
    const lines = csv.slice(1).trimEnd().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^`2024-03-02 00:30:00,`wxd678efh567hg6787,`1230000109,/);
    expect(lines[1]).toContain('`SUCCESS,`OTHERS,`CNY,`19.99,');
    expect(lines[2]).toContain('`REFUND');
    expect(lines[2]).toContain('`5.00');
    expect(lines[3]).toBe('总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额');
    // Fees: 0.6 % of 19.99 = 0.12, minus 0.6 % of 5.00 = 0.03.
    expect(lines[4]).toBe('`2,`19.99,`5.00,`0.00,`0.09,`19.99,`5.00');
  });

  it('filters by bill type and returns null for a day without trades', () => {
    expect(buildTradeBill({ date: '2024-03-02', type: 'SUCCESS', orders: [order], refunds: [refund] })!.includes('`REFUND')).toBe(false);
    expect(buildTradeBill({ date: '2024-03-02', type: 'REFUND', orders: [order], refunds: [refund] })!.includes('`SUCCESS,`OTHERS')).toBe(false);
    expect(buildTradeBill({ date: '2024-03-01', type: 'ALL', orders: [order], refunds: [refund] })).toBeNull();
  });
});
