import { createHash } from 'node:crypto';
import { fenToYuan } from '../lib/money.ts';
import { toRfc3339Cst } from '../lib/clock.ts';
import type { SimOrder, SimRefund } from './state.ts';

export type BillType = 'ALL' | 'SUCCESS' | 'REFUND';

const HEADER = [
  '交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
  '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注',
];
const SUMMARY_HEADER = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'];

/** The simulated fee: 0.6 %, rounded half up to the fen, as WeChat charges a typical merchant. */
const FEE_RATE_PER_MILLE = 6;
const fee = (fen: number): number => Math.round((fen * FEE_RATE_PER_MILLE) / 1000);

/** `YYYY-MM-DD HH:mm:ss` in China time, the bill's time format. */
function billTime(ms: number): string {
  return toRfc3339Cst(ms).slice(0, 19).replace('T', ' ');
}

export function cstDate(ms: number): string {
  return toRfc3339Cst(ms).slice(0, 10);
}

/** Every value is prefixed with a back-tick so spreadsheets keep long numbers as text (spec §5.5). */
const row = (values: string[]): string => values.map((v) => `\`${v}`).join(',');

/**
 * The trade bill of one China-time day in WeChat's CSV shape: UTF-8 BOM, header row, one row per
 * payment and per refund, then the summary caption row and its values row. Amounts in yuan.
 * Null when nothing happened that day (WeChat answers NO_STATEMENT_EXIST).
 */
export function buildTradeBill(opts: { date: string; type: BillType; orders: SimOrder[]; refunds: SimRefund[] }): string | null {
  const payments = opts.type === 'REFUND' ? [] : opts.orders.filter((o) => o.success_time !== undefined && cstDate(o.success_time) === opts.date);
  const refunds = opts.type === 'SUCCESS' ? [] : opts.refunds.filter((r) => r.status === 'SUCCESS' && r.success_time !== undefined && cstDate(r.success_time) === opts.date);
  if (payments.length + refunds.length === 0) return null;
  const byNo = new Map(opts.orders.map((o) => [o.out_trade_no, o]));
  const lines: string[] = [HEADER.join(',')];
  let settled = 0;
  let refunded = 0;
  let fees = 0;
  let ordered = 0;
  let requested = 0;
  const rows: { at: number; line: string }[] = [];
  for (const o of payments) {
    const f = fee(o.amount.total);
    settled += o.amount.total;
    ordered += o.amount.total;
    fees += f;
    rows.push({
      at: o.success_time!,
      line: row([
        billTime(o.success_time!), o.appid, o.mchid, '0', o.scene_info.device_id ?? '', o.transaction_id!, o.out_trade_no, o.payer_openid ?? '',
        'MWEB', 'SUCCESS', 'OTHERS', 'CNY', fenToYuan(o.amount.total), '0.00', '0', '0', '0.00', '0.00', '', '', o.description, o.attach ?? '',
        fenToYuan(f), '0.60%', fenToYuan(o.amount.total), '0.00', '',
      ]),
    });
  }
  for (const r of refunds) {
    const o = byNo.get(r.out_trade_no)!;
    const f = -fee(r.amount.refund);
    refunded += r.amount.refund;
    requested += r.amount.refund;
    fees += f;
    rows.push({
      at: r.success_time!,
      line: row([
        billTime(r.success_time!), o.appid, o.mchid, '0', o.scene_info.device_id ?? '', r.transaction_id, r.out_trade_no, o.payer_openid ?? '',
        'MWEB', 'REFUND', 'OTHERS', 'CNY', '0.00', '0.00', r.refund_id, r.out_refund_no, fenToYuan(r.amount.refund), '0.00', 'ORIGINAL',
        'SUCCESS', o.description, o.attach ?? '', fenToYuan(f), '0.60%', '0.00', fenToYuan(r.amount.refund), '',
      ]),
    });
  }
  rows.sort((a, b) => a.at - b.at);
  lines.push(...rows.map((r) => r.line));
  lines.push(SUMMARY_HEADER.join(','));
  lines.push(row([String(rows.length), fenToYuan(settled), fenToYuan(refunded), '0.00', fenToYuan(fees), fenToYuan(ordered), fenToYuan(requested)]));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export function sha1Hex(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
