import type { Selectable } from 'kysely';
import type { Db } from './merchants.ts';
import type { PaymentRisk, RiskDecisionsTable, StoredFiredRule } from './risk-tables.ts';

/** Stored risk decisions (one per payment and phase) and the payment's risk column. */
export type DecisionRow = Selectable<RiskDecisionsTable>;

export interface NewDecision {
  id: string;
  payment_id: string;
  merchant_id: string;
  out_trade_no: string;
  phase: 'pre_order' | 'post_payment';
  action: 'allow' | 'review' | 'block';
  score: number;
  rule_set_id: string | null;
  rule_set_version: number;
  fired: StoredFiredRule[];
  shadow_fired: StoredFiredRule[];
  errors: { rule_id: string; message: string }[];
  facts: Record<string, unknown>;
  created_at: Date;
}

/** Undefined when this payment already has a decision for the phase (a re-applied notification). */
export async function insertDecision(db: Db, d: NewDecision): Promise<DecisionRow | undefined> {
  return db
    .insertInto('risk_decisions')
    .values({
      ...d,
      fired: JSON.stringify(d.fired),
      shadow_fired: JSON.stringify(d.shadow_fired),
      errors: JSON.stringify(d.errors),
      facts: JSON.stringify(d.facts),
    })
    .onConflict((oc) => oc.columns(['payment_id', 'phase']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function decisionsForPayment(db: Db, paymentId: string): Promise<DecisionRow[]> {
  return db.selectFrom('risk_decisions').selectAll().where('payment_id', '=', paymentId).orderBy('created_at').orderBy('phase', 'desc').execute();
}

export async function listDecisions(
  db: Db,
  f: { merchantId?: string; action?: 'allow' | 'review' | 'block'; limit: number },
): Promise<DecisionRow[]> {
  let q = db.selectFrom('risk_decisions').selectAll();
  if (f.merchantId) q = q.where('merchant_id', '=', f.merchantId);
  if (f.action) q = q.where('action', '=', f.action);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
}

export async function setPaymentRisk(db: Db, paymentId: string, risk: PaymentRisk | null, now: Date) {
  return db
    .updateTable('payments')
    .set({ risk: risk === null ? null : JSON.stringify(risk), updated_at: now })
    .where('id', '=', paymentId)
    .returningAll()
    .executeTakeFirst();
}
