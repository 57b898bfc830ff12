import type { ColumnType, Generated } from 'kysely';

/**
 * Kysely's view of the alerting tables (migration 0005_alerts). jsonb columns are written as JSON
 * strings, as everywhere else, so `pg` never turns a JS array into a PostgreSQL array.
 */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type JsonDefault<T> = ColumnType<T, string | undefined, string>;

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

export const MONITOR_KINDS = [
  'single_amount',
  'amount_sum',
  'payment_count_merchant',
  'payment_count_ip',
  'success_rate',
  'notification_failures',
  'webhook_failures',
  'refund_count',
  'refund_amount',
] as const;
export type MonitorKind = (typeof MONITOR_KINDS)[number];

export type AlertEventKind =
  | 'opened'
  | 'repeated'
  | 'notification_queued'
  | 'delivered'
  | 'delivery_failed'
  | 'escalated'
  | 'acknowledged'
  | 'resolved'
  | 'auto_resolved';

export type AlertChannelKind = 'webhook' | 'wecom' | 'email';

export interface AlertMonitorsTable {
  id: string;
  merchant_id: string | null;
  kind: MonitorKind;
  threshold: number;
  window_seconds: number;
  min_volume: ColumnType<number, number | undefined, number>;
  severity: AlertSeverity;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  auto_resolve: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AlertsTable {
  id: string;
  key: string;
  source: string;
  monitor_id: string | null;
  merchant_id: string | null;
  severity: AlertSeverity;
  status: ColumnType<AlertStatus, AlertStatus | undefined, AlertStatus>;
  title: string;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
  count: ColumnType<number, number | undefined, number>;
  escalation_level: ColumnType<number, number | undefined, number>;
  last_notified_at: Timestamp | null;
  acknowledged_by: string | null;
  acknowledged_at: Timestamp | null;
  resolved_by: string | null;
  resolved_at: Timestamp | null;
  data: JsonDefault<Record<string, unknown>>;
}

export interface AlertEventsTable {
  id: Generated<number>;
  alert_id: string;
  kind: AlertEventKind;
  actor: string | null;
  data: JsonDefault<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface AlertChannelsTable {
  id: string;
  name: string;
  kind: AlertChannelKind;
  merchant_id: string | null;
  min_severity: ColumnType<AlertSeverity, AlertSeverity | undefined, AlertSeverity>;
  min_level: ColumnType<number, number | undefined, number>;
  config: JsonDefault<Record<string, unknown>>;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface AlertTables {
  alert_monitors: AlertMonitorsTable;
  alerts: AlertsTable;
  alert_events: AlertEventsTable;
  alert_channels: AlertChannelsTable;
}

/** Severity order, for "at least warning" filters. */
export function severityRank(s: AlertSeverity): number {
  return ALERT_SEVERITIES.indexOf(s);
}
