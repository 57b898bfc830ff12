import { z } from 'zod';
import type { WechatPayClient } from './client.ts';
import { checkInput, seg } from './request-input.ts';
import { outTradeNoSchema } from './h5.ts';
import { transactionSchema, type Transaction } from './transaction-schema.ts';

const transactionIdSchema = z.string().regex(/^[0-9A-Za-z]{1,32}$/, 'must be 1-32 alphanumerics');

/** `GET /v3/pay/transactions/out-trade-no/{out_trade_no}?mchid=` (spec §5.1); works for unpaid orders too. */
export async function queryByOutTradeNo(client: WechatPayClient, outTradeNo: string): Promise<Transaction> {
  const no = checkInput(outTradeNoSchema, outTradeNo);
  return client.json({ method: 'GET', path: `/v3/pay/transactions/out-trade-no/${seg(no)}?mchid=${seg(client.mchid)}` }, transactionSchema);
}

/** `GET /v3/pay/transactions/id/{transaction_id}?mchid=` (spec §5.1); only paid orders have an id. */
export async function queryByTransactionId(client: WechatPayClient, transactionId: string): Promise<Transaction> {
  const id = checkInput(transactionIdSchema, transactionId);
  return client.json({ method: 'GET', path: `/v3/pay/transactions/id/${seg(id)}?mchid=${seg(client.mchid)}` }, transactionSchema);
}

/**
 * `POST /v3/pay/transactions/out-trade-no/{out_trade_no}/close` with `{"mchid"}` → 204 (spec §5.2).
 * The empty answer is still verified (signature over `ts\nnonce\n\n`). Re-entrant; a paid order gives ORDER_PAID.
 */
export async function closeOrder(client: WechatPayClient, outTradeNo: string): Promise<void> {
  const no = checkInput(outTradeNoSchema, outTradeNo);
  await client.send({ method: 'POST', path: `/v3/pay/transactions/out-trade-no/${seg(no)}/close`, body: { mchid: client.mchid } });
}
