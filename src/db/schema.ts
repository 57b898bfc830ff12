import type { ColumnType, Generated } from 'kysely';
import type { AlertTables } from './alerts-tables.ts';
import type { VaultSecretsTable } from './vault-secrets.ts';
import type { AuditHeadTable, AuditLogTable } from './audit-log.ts';
import type { PaymentRisk, RiskTables } from './risk-tables.ts';

/**
 * Kysely's view of the tables created by `migrations/`. Column names stay snake_case, as in SQL, so a
 * query greps against the migration that defines it. `bigint` columns are read as JS numbers (see
 * `type-parsers.ts`): integer fen stays far below 2^53.
 */

/** A timestamptz: read as Date; written as Date (or an SQL expression such as `now()`). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz with a database default. */
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb: read parsed, written as a JSON string so `pg` never turns a JS array into a PG array. */
type Json<T> = ColumnType<T, string, string>;
type JsonDefault<T> = ColumnType<T, string | undefined, string>;
type BigintDefault = ColumnType<number, number | undefined, number>;
type IntDefault = ColumnType<number, number | undefined, number>;

export type MerchantMode = 'sandbox' | 'live';
/** How this merchant verifies WeChat's signatures: the 微信支付公钥 (public key) or platform certificates. */
export type KeyMode = 'public_key' | 'platform_certificate';

export interface MerchantsTable {
  id: string;
  name: string;
  mchid: string;
  appid: string;
  mode: MerchantMode;
  h5_domains: ColumnType<string[], string[], string[]>;
  webhook_url: string | null;
  wechat_api_base_url: string;
  wechat_api_backup_url: string | null;
  key_mode: KeyMode;
  merchant_serial: string;
  disabled_at: Timestamp | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface PlatformCertificateRecord {
  serial_no: string;
  pem: string;
  expires_at?: string;
}

/** Secrets live apart from the merchant row so the vault issue can move them without touching the rest. */
export interface MerchantCredentialsTable {
  merchant_id: string;
  wechatpay_public_key_id: string | null;
  wechatpay_public_key_pem: string | null;
  platform_certificates: JsonDefault<PlatformCertificateRecord[]>;
  webhook_secret_previous_expires_at: Timestamp | null;
  updated_at: TimestampDefault;
  // Migration 0002: the secrets themselves are in vault_secrets; these are the lifecycle facts.
  merchant_cert_pem: ColumnType<string | null, string | null | undefined, string | null>;
  merchant_cert_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  staged_merchant_serial: ColumnType<string | null, string | null | undefined, string | null>;
  staged_merchant_cert_pem: ColumnType<string | null, string | null | undefined, string | null>;
  staged_merchant_cert_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  retired_merchant_serial: ColumnType<string | null, string | null | undefined, string | null>;
  apiv3_key_previous_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  dual_verification_since: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  certificates_refreshed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  expiry_warnings: JsonDefault<Record<string, string>>;
  // Migration 0006: who signs (the token of a remote signing service is sealed in vault_secrets).
  signer_mode: ColumnType<'local' | 'remote', 'local' | 'remote' | undefined, 'local' | 'remote'>;
  remote_signer_url: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface MerchantApiKeysTable {
  id: string;
  merchant_id: string;
  mode: MerchantMode;
  lookup_id: string;
  secret_sha256: string;
  last4: string;
  label: string | null;
  created_at: TimestampDefault;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export type PaymentStatus = 'created' | 'pending' | 'succeeded' | 'closed' | 'failed' | 'partially_refunded' | 'refunded';
export type H5Type = 'Wap' | 'iOS' | 'Android';

export interface PaymentsTable {
  id: string;
  merchant_id: string;
  out_trade_no: string;
  amount: number;
  currency: ColumnType<string, string | undefined, string>;
  description: string;
  status: PaymentStatus;
  refunded_amount: BigintDefault;
  refund_count: IntDefault;
  payer_client_ip: string;
  h5_type: H5Type | null;
  redirect_url: string | null;
  attach: string | null;
  metadata: JsonDefault<Record<string, string>>;
  h5_url: string | null;
  h5_url_expires_at: Timestamp | null;
  expires_at: Timestamp;
  transaction_id: string | null;
  /** Blind index (HMAC) of the payer openid; the sealed value is vault secret `pii:openid:payment:<id>`. */
  payer_openid_index: ColumnType<string | null, string | null | undefined, string | null>;
  payer_openid_masked: ColumnType<string | null, string | null | undefined, string | null>;
  paid_at: Timestamp | null;
  wechat_trade_state: string | null;
  next_query_at: Timestamp | null;
  query_attempts: IntDefault;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  /** Risk (0004): the merchant's device id and the payer's user agent, and the payment's risk state. */
  device_id: ColumnType<string | null, string | null | undefined, string | null>;
  user_agent: ColumnType<string | null, string | null | undefined, string | null>;
  risk: ColumnType<PaymentRisk | null, string | null | undefined, string | null>;
}

export type RefundStatus = 'pending' | 'processing' | 'succeeded' | 'closed' | 'abnormal' | 'failed';

export interface RefundsTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  out_refund_no: string;
  amount: number;
  currency: ColumnType<string, string | undefined, string>;
  reason: string | null;
  status: RefundStatus;
  wechat_refund_id: string | null;
  wechat_status: string | null;
  error: string | null;
  succeeded_at: Timestamp | null;
  next_query_at: Timestamp | null;
  query_attempts: IntDefault;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export type IdempotencyState = 'in_flight' | 'completed';

export interface IdempotencyKeysTable {
  merchant_id: string;
  endpoint: string;
  key: string;
  request_fingerprint: string;
  state: IdempotencyState;
  locked_at: Timestamp | null;
  response_status: number | null;
  response_body: Json<unknown> | null;
  resource_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export type NotificationStatus = 'received' | 'verified' | 'rejected' | 'applied' | 'duplicate';

export interface WechatNotificationsTable {
  id: Generated<number>;
  merchant_id: string;
  notification_id: string | null;
  event_type: string | null;
  received_at: TimestampDefault;
  raw_headers: Json<Record<string, string>>;
  raw_body: string;
  status: ColumnType<NotificationStatus, NotificationStatus | undefined, NotificationStatus>;
  error: string | null;
  processed_at: Timestamp | null;
  /** When the sweep may hand a `received`/`verified` row to a re-process job (0009). */
  next_attempt_at: Timestamp | null;
  /** How often the row's effect was deferred (backoff). */
  deferrals: ColumnType<number, number | undefined, number>;
}

export interface OutboxEventsTable {
  id: string;
  merchant_id: string;
  type: string;
  payload: Json<Record<string, unknown>>;
  dedup_key: string;
  created_at: TimestampDefault;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'abandoned';

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  event_id: string;
  attempt: number;
  status: WebhookDeliveryStatus;
  next_attempt_at: Timestamp | null;
  response_status: number | null;
  error: string | null;
  delivered_at: Timestamp | null;
  created_at: TimestampDefault;
}

export interface PaymentEventsTable {
  id: Generated<number>;
  payment_id: string;
  kind: string;
  data: JsonDefault<Record<string, unknown>>;
  created_at: TimestampDefault;
}

export type OperatorRole = 'owner' | 'admin' | 'risk_reviewer' | 'finance' | 'developer' | 'viewer';

export interface OperatorsTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: OperatorRole;
  totp_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  totp_last_step: number | null;
  failed_attempts: IntDefault;
  locked_until: Timestamp | null;
  merchant_scope: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  must_change_password: ColumnType<boolean, boolean | undefined, boolean>;
  disabled_at: Timestamp | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export type OperatorSessionStage = 'full' | 'setup';

export interface OperatorSessionsTable {
  token_sha256: string;
  operator_id: string;
  stage: ColumnType<OperatorSessionStage, OperatorSessionStage | undefined, OperatorSessionStage>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  ip: string | null;
  user_agent: string | null;
}

export interface Database extends RiskTables, AlertTables {
  vault_secrets: VaultSecretsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  merchants: MerchantsTable;
  merchant_credentials: MerchantCredentialsTable;
  merchant_api_keys: MerchantApiKeysTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  idempotency_keys: IdempotencyKeysTable;
  wechat_notifications: WechatNotificationsTable;
  outbox_events: OutboxEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  payment_events: PaymentEventsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
}
