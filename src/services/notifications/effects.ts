import type { Transaction as DbTransaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { Transaction } from '../../wechatpay/transaction-schema.ts';
import type { RefundNotice } from '../../wechatpay/refund-schema.ts';
import type { ServiceContext } from '../context.ts';

/**
 * What a verified notification does to payments and refunds, as a small port: the inbox owns
 * verification, deduplication and the transaction; the payments and refunds services own the state
 * machines. Both functions run inside the inbox's transaction, so the claim of the notification id, the
 * state change and its outbox row commit together or not at all.
 *
 * - `applied`: state changed (or was already in that state: a query got there first) — acknowledge.
 * - `ignored`: nothing to change and nothing to wait for (unknown order, integrity mismatch already
 *   alerted, a state the machine does not move on) — acknowledge; `reason` is stored on the inbox row.
 * - `deferred`: cannot apply yet (a refund whose payment we have not yet seen paid) — roll back; WeChat
 *   was already answered 200, so the row stays waiting and the inbox retries it with backoff (sweep →
 *   re-process job) until it applies, and asks for the `paymentId` to be queried meanwhile.
 */
export type EffectOutcome =
  | { kind: 'applied' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'deferred'; reason: string; queryPaymentId?: string };

export interface NotificationEffects {
  applyTransaction(ctx: ServiceContext, trx: DbTransaction<Database>, merchantId: string, transaction: Transaction): Promise<EffectOutcome>;
  applyRefund(ctx: ServiceContext, trx: DbTransaction<Database>, merchantId: string, refund: RefundNotice): Promise<EffectOutcome>;
}
