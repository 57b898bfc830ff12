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

export interface TimelineEntry {
  at: string;
  kind: string;
  title?: string;
  summary?: string;
  outcome?: string;
  detail?: unknown;
}

export interface PaymentDetail {
  payment: Payment;
  timeline: TimelineEntry[];
}

export interface Dashboard {
  payments: number;
  paid: number;
  amount_paid: number;
  success_rate: number | null;
  funnel: { created: number; cashier: number; paid: number };
  open_reviews: number | null;
  open_alerts: number | null;
  series: { day: string; payments: number; paid: number; amount_paid: number }[];
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
  prefix: string;
  label?: string | null;
  created_at: string;
  last_used_at?: string | null;
  revoked_at?: string | null;
}

export interface WebhookEndpoint {
  url: string | null;
  secrets?: { id?: string; created_at?: string; expires_at?: string | null }[];
}

export interface Delivery {
  id: string;
  event_id?: string;
  event_type?: string;
  status: string;
  attempts?: number;
  created_at: string;
  last_attempt_at?: string | null;
  response_status?: number | null;
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

export interface Review {
  id: string;
  payment_id: string;
  merchant_id?: string;
  amount?: number;
  reasons?: string[];
  state: string;
  claimed_by?: string | null;
  due_at: string;
  created_at: string;
}

export interface Alert {
  id: string;
  monitor?: string;
  title?: string;
  message?: string;
  severity: string;
  state: string;
  opened_at?: string;
  created_at?: string;
}

export interface Rule {
  id: string;
  name: string;
  expression: string;
  action: string;
  mode?: string;
  version?: number;
  enabled?: boolean;
}

export interface BacktestResult {
  total: number;
  matched: number;
  samples?: { payment_id: string; amount?: number }[];
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
