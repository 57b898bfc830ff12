import { describe, expect, it } from 'vitest';
import { parseTradeBillCsv } from './bill-csv.ts';
import { WechatPayResponseError } from './errors.ts';

const HEADER = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const row = (vals: string[]) => vals.map((v) => '`' + v).join(',');
const PAID = row(['2024-01-02 10:00:00', 'wx1', '1230000109', '0', '', '4200001', 'ORDER_0001', 'oUser', 'MWEB', 'SUCCESS', 'OTHERS', 'CNY', '12.34', '0.00', '0', '0', '0.00', '0.00', '', '', 'QQ公仔, 蓝色', '', '0.07', '0.60%', '12.34', '0.00', '']);
const REFUND = row(['2024-01-02 11:00:00', 'wx1', '1230000109', '0', '', '4200001', 'ORDER_0001', 'oUser', 'MWEB', 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', '50000001', 'R_0001', '2.00', '0.00', 'ORIGINAL', 'SUCCESS', 'QQ公仔', '', '-0.01', '0.60%', '0.00', '2.00', '']);
const SUMMARY = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\n' + row(['2', '12.34', '2.00', '0.00', '0.06', '12.34', '2.00']);

describe('trade bill CSV', () => {
  it('parses back-ticked rows and the summary, converting yuan to fen', () => {
    const bill = parseTradeBillCsv(`\uFEFF${HEADER}\n${PAID}\n${REFUND}\n${SUMMARY}\n`);
    expect(bill.rows).toHaveLength(2);
    expect(bill.rows[0]).toMatchObject({ out_trade_no: 'ORDER_0001', transaction_id: '4200001', trade_state: 'SUCCESS', settlement_total_fen: 1234, order_total_fen: 1234, fee_fen: 7, refund_fen: 0 });
    expect(bill.rows[0]!.fields['商品名称']).toBe('QQ公仔, 蓝色');
    expect(bill.rows[1]).toMatchObject({ trade_state: 'REFUND', refund_fen: 200, out_refund_no: 'R_0001', refund_status: 'SUCCESS', fee_fen: -1 });
    expect(bill.summary.trade_count).toBe(2);
    expect(bill.summary.amountsFen).toMatchObject({ 应结订单总金额: 1234, 退款总金额: 200, 手续费总金额: 6 });
  });

  it('accepts CRLF line ends', () => {
    expect(parseTradeBillCsv([HEADER, PAID, REFUND, SUMMARY.replace('\n', '\r\n')].join('\r\n')).rows).toHaveLength(2);
  });

  it('rejects a bill whose summary count disagrees with its rows', () => {
    expect(() => parseTradeBillCsv(`${HEADER}\n${PAID}\n${SUMMARY}`)).toThrow(WechatPayResponseError);
  });

  it('rejects rows without back-ticks, with missing columns, or with non-yuan amounts', () => {
    expect(() => parseTradeBillCsv(`${HEADER}\n${PAID.replace(/`/g, '')}\n${REFUND}\n${SUMMARY}`)).toThrow(/back-tick/);
    expect(() => parseTradeBillCsv(`${HEADER}\n${row(['2024-01-02'])}\n${REFUND}\n${SUMMARY}`)).toThrow(/values/);
    expect(() => parseTradeBillCsv(`${HEADER}\n${PAID.replace('`12.34', '`12.345')}\n${REFUND}\n${SUMMARY}`)).toThrow(/yuan/);
  });

  it('rejects a bill without summary rows', () => {
    expect(() => parseTradeBillCsv(`${HEADER}\n${PAID}\n${REFUND}`)).toThrow(/summary/);
  });
});
