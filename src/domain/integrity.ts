/**
 * Every answer from WeChat is checked against what we asked for before it may change state
 * (spec §3.2, §5.6: "防止数据泄露导致出现'假通知'"). A mismatch changes nothing and raises an alert.
 */
export interface ExpectedOrder {
  mchid: string;
  appid: string;
  out_trade_no: string;
  amount: number;
  currency: string;
}

export interface ObservedTransaction {
  mchid?: string | undefined;
  appid?: string | undefined;
  out_trade_no?: string | undefined;
  amount?: { total?: number | undefined; currency?: string | undefined } | undefined;
}

export type IntegrityField = 'mchid' | 'appid' | 'out_trade_no' | 'amount' | 'currency';

export interface IntegrityMismatch {
  field: IntegrityField;
  expected: string | number;
  observed: string | number | null;
}

export function checkTransactionIntegrity(expected: ExpectedOrder, observed: ObservedTransaction): IntegrityMismatch[] {
  const out: IntegrityMismatch[] = [];
  const cmp = (field: IntegrityField, e: string | number, o: string | number | undefined) => {
    if (o !== e) out.push({ field, expected: e, observed: o ?? null });
  };
  cmp('mchid', expected.mchid, observed.mchid);
  cmp('appid', expected.appid, observed.appid);
  cmp('out_trade_no', expected.out_trade_no, observed.out_trade_no);
  cmp('amount', expected.amount, observed.amount?.total);
  cmp('currency', expected.currency, observed.amount?.currency ?? 'CNY');
  return out;
}

export interface ExpectedRefund {
  mchid?: string | undefined;
  out_trade_no: string;
  out_refund_no: string;
  refund: number;
  total: number;
}

export interface ObservedRefund {
  mchid?: string | undefined;
  out_trade_no?: string | undefined;
  out_refund_no?: string | undefined;
  amount?: { refund?: number | undefined; total?: number | undefined } | undefined;
}

export function checkRefundIntegrity(expected: ExpectedRefund, observed: ObservedRefund): { field: string; expected: string | number; observed: string | number | null }[] {
  const out: { field: string; expected: string | number; observed: string | number | null }[] = [];
  const cmp = (field: string, e: string | number, o: string | number | undefined) => {
    if (o !== e) out.push({ field, expected: e, observed: o ?? null });
  };
  if (expected.mchid !== undefined && observed.mchid !== undefined) cmp('mchid', expected.mchid, observed.mchid);
  cmp('out_trade_no', expected.out_trade_no, observed.out_trade_no);
  cmp('out_refund_no', expected.out_refund_no, observed.out_refund_no);
  cmp('amount.refund', expected.refund, observed.amount?.refund);
  cmp('amount.total', expected.total, observed.amount?.total);
  return out;
}
