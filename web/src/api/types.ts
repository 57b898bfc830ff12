/** Shapes of the admin API as the console reads them (snake_case, as on the wire). */
export type Role = 'owner' | 'admin' | 'risk_reviewer' | 'finance' | 'developer' | 'viewer';

export interface Me {
  id: string;
  email: string;
  name?: string;
  role: Role;
  permissions: string[];
  setup_required?: string[];
  csrf_token?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Payment {
  id: string;
  merchant_id: string;
  out_trade_no: string;
  description?: string;
  amount: number;
  currency?: string;
  status: string;
  transaction_id?: string | null;
  refunded_amount?: number;
  created_at: string;
  paid_at?: string | null;
}

/** As the admin API sends it: `source` payment | refund | webhook | webhook_delivery (risk decisions are merged in by the console). */
export interface TimelineEntry {
  at: string;
  source: string;
  kind: string;
  data?: Record<string, unknown>;
}

export interface PaymentDetail {
  payment: Payment;
  timeline: TimelineEntry[];
}

export interface Dashboard {
  period?: { from: string; to: string };
  volume: number;
  paid_count: number;
  paid_amount: number;
  refunded_amount?: number;
  success_rate: number | null;
  funnel: { created: number; cashier: number; paid: number };
  open_reviews: number | null;
  open_alerts: number | null;
  series: { day: string; created: number; paid: number; paid_amount: number }[];
}

export interface Merchant {
  id: string;
  name: string;
  mchid?: string;
  appid?: string;
  h5_domains?: string[];
  created_at?: string;
  [key: string]: unknown;
}

export interface ApiKey {
  id: string;
  hint?: string;
  label?: string | null;
  created_at?: string;
  createdAt?: string;
  last_used_at?: string | null;
  lastUsedAt?: string | null;
  revoked_at?: string | null;
  revokedAt?: string | null;
}

export interface WebhookEndpoint {
  url: string | null;
  secrets?: { id?: string; created_at?: string; expires_at?: string | null }[];
}

/** One outbox event of the merchant's delivery log. */
export interface Delivery {
  id: string;
  type: string;
  created_at: string;
  attempts: number;
  last_status: string | null;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target?: string | null;
  details?: unknown;
}

export interface AuditVerification {
  ok: boolean;
  count?: number;
  checked?: number;
  broken_at?: number | null;
  first_bad_seq?: number | null;
}

export interface Operator {
  id: string;
  email: string;
  name: string;
  role: Role;
  totp_enabled: boolean;
  disabled: boolean;
  created_at: string;
  locked_until?: string | null;
}

export interface FiredRule {
  rule_id: string;
  action: string;
  score: number;
  reason: { 'zh-CN': string; en: string };
  mode: string;
}

export interface Review {
  id: string;
  payment_id: string;
  merchant_id: string;
  status: string;
  /** The rules that fired and held the payment. */
  reason: FiredRule[] | null;
  assignee: string | null;
  due_at: string;
  sla_breached?: boolean;
  created_at: string;
}

export interface Alert {
  id: string;
  source?: string;
  title: string;
  severity: string;
  status: string;
  count?: number;
  first_seen_at?: string;
  last_seen_at?: string;
}

/** A risk rule as stored in a rule set (src/risk/rule.ts). */
export interface Rule {
  id: string;
  expression: string;
  action: 'allow' | 'review' | 'block';
  score: number;
  reason: { 'zh-CN': string; en: string };
  priority?: number;
  enabled?: boolean;
  mode?: 'active' | 'shadow';
}

export interface RuleSet {
  id: string;
  merchant_id: string | null;
  version: number;
  status: string;
  rules: Rule[];
  published_at: string | null;
}

export interface RuleSetError {
  code: string;
  rule_id?: string;
  path: string;
  message: string;
  position?: { offset: number; line: number; column: number };
}

interface BacktestSide {
  rule_set_version: number;
  pre_order: Record<string, number>;
  post_payment: Record<string, number>;
  rule_hits: Record<string, number>;
  shadow_hits: Record<string, number>;
}

export interface BacktestResult {
  payments: number;
  days: number;
  draft: BacktestSide;
  active: BacktestSide;
  changed: Record<string, Record<string, number>>;
}

export interface KeyStatus {
  id: string;
  kind: string;
  merchant_id?: string;
  serial?: string;
  state: string;
  expires_at?: string | null;
  created_at?: string;
}
