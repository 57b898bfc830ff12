import { randomInt } from 'node:crypto';
import { toRfc3339Cst } from '../lib/clock.ts';
import { randomAlnum } from '../lib/ids.ts';
import type { SimContext } from './context.ts';
import type { SimOrder } from './state.ts';
import { SimError } from './sim-error.ts';

const TRADE_STATE_DESC: Record<SimOrder['trade_state'], string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '订单发生过退款',
};

/** The Transaction object of a query answer or a TRANSACTION.SUCCESS notification (spec §5.6). */
export function transactionView(o: SimOrder): Record<string, unknown> {
  const paid = o.transaction_id !== undefined;
  const view: Record<string, unknown> = {
    appid: o.appid,
    mchid: o.mchid,
    out_trade_no: o.out_trade_no,
  };
  if (paid) view.transaction_id = o.transaction_id;
  view.trade_type = 'MWEB';
  view.trade_state = o.trade_state;
  view.trade_state_desc = TRADE_STATE_DESC[o.trade_state];
  if (paid) {
    view.bank_type = 'OTHERS';
    view.attach = o.attach ?? '';
    view.success_time = toRfc3339Cst(o.success_time!);
    view.payer = { openid: o.payer_openid };
    view.amount = { total: o.amount.total, payer_total: o.amount.total, currency: o.amount.currency, payer_currency: o.amount.currency };
  } else {
    view.attach = o.attach ?? '';
    view.amount = { total: o.amount.total, currency: o.amount.currency, payer_currency: o.amount.currency };
  }
  if (o.scene_info.device_id) view.scene_info = { device_id: o.scene_info.device_id };
  return view;
}

/** The last moment the order can be paid: time_expire, never earlier than one minute after ordering (spec §4.1). */
export function payableUntil(o: SimOrder): number {
  const sevenDays = 7 * 86_400_000;
  if (!o.time_expire) return o.created_at + sevenDays;
  return Math.max(Date.parse(o.time_expire), o.created_at + 60_000);
}

function digits(n: number): string {
  let s = '';
  while (s.length < n) s += String(randomInt(0, 10));
  return s;
}

/** Marks an order paid, as the user's confirmation in the cashier does, and notifies the merchant. */
export function payOrder(ctx: SimContext, o: SimOrder): SimOrder {
  if (o.trade_state === 'SUCCESS' || o.trade_state === 'REFUND') throw new SimError(403, 'ORDER_PAID', '订单已支付');
  if (o.trade_state === 'CLOSED') throw new SimError(400, 'ORDER_CLOSED', '订单已关闭');
  const now = ctx.clock.now();
  if (now > payableUntil(o)) throw new SimError(400, 'ORDER_EXPIRED', '订单已超过支付截止时间（time_expire），无法支付');
  const day = toRfc3339Cst(now).slice(0, 10).replace(/-/g, '');
  const paid: SimOrder = {
    ...o,
    trade_state: 'SUCCESS',
    transaction_id: `4200${digits(6)}${day}${digits(10)}`,
    success_time: now,
    payer_openid: `oUpF8u${randomAlnum(22)}`,
  };
  ctx.state.putOrder(paid);
  ctx.notifier.send({
    url: paid.notify_url,
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    original_type: 'transaction',
    plaintext: transactionView(paid),
    out_trade_no: paid.out_trade_no,
  });
  return paid;
}
