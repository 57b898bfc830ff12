import type { ColumnType } from 'kysely';

/**
 * Kysely's view of the risk tables (migration 0004_risk). jsonb columns are written as JSON strings,
 * as everywhere else, so `pg` never turns a JS array into a PostgreSQL array.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type JsonDefault<T> = ColumnType<T, string | undefined, string>;

export type RuleSetStatus = 'draft' | 'published' | 'retired';

export interface RiskRuleSetsTable {
  id: string;
  merchant_id: string | null;
  version: number;
  status: RuleSetStatus;
  rules: Json<unknown[]>;
  note: string | null;
  created_by: string;
  created_at: Timestamp;
  published_by: string | null;
  published_at: Timestamp | null;
}

export const RISK_LIST_NAMES = ['ip_block', 'ip_allow', 'device_block', 'device_allow', 'openid_block', 'openid_allow'] as const;
export type RiskListName = (typeof RISK_LIST_NAMES)[number];

export interface RiskListEntriesTable {
  id: string;
  merchant_id: string | null;
  list: RiskListName;
  value: string;
  note: string | null;
  created_by: string;
  created_at: Timestamp;
}

export interface StoredFiredRule {
  rule_id: string;
  action: 'allow' | 'review' | 'block';
  score: number;
  reason: { 'zh-CN': string; en: string };
  mode: 'active' | 'shadow';
}

export interface RiskDecisionsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  out_trade_no: string;
  phase: 'pre_order' | 'post_payment';
  action: 'allow' | 'review' | 'block';
  score: number;
  rule_set_id: string | null;
  rule_set_version: number;
  fired: JsonDefault<StoredFiredRule[]>;
  shadow_fired: JsonDefault<StoredFiredRule[]>;
  errors: JsonDefault<{ rule_id: string; message: string }[]>;
  facts: Json<Record<string, unknown>>;
  created_at: Timestamp;
}

export type ReviewStatus = 'open' | 'claimed' | 'approved' | 'rejected';

export interface RiskReviewsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  decision_id: string;
  reason: Json<StoredFiredRule[]>;
  status: ReviewStatus;
  assignee: string | null;
  due_at: Timestamp;
  sla_breached_at: Timestamp | null;
  decided_by: string | null;
  note: string | null;
  decided_at: Timestamp | null;
  refund_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RiskMerchantSettingsTable {
  merchant_id: string;
  review_sla_seconds: number;
  updated_at: Timestamp;
}

/** What a payment shows of its risk state (payments.risk); NULL means nothing fired. */
export interface PaymentRisk {
  status: 'flagged' | 'in_review' | 'approved' | 'rejected';
  score: number;
  rules: { rule_id: string; action: string; reason: { 'zh-CN': string; en: string } }[];
}

export interface RiskTables {
  risk_rule_sets: RiskRuleSetsTable;
  risk_list_entries: RiskListEntriesTable;
  risk_decisions: RiskDecisionsTable;
  risk_reviews: RiskReviewsTable;
  risk_merchant_settings: RiskMerchantSettingsTable;
}
