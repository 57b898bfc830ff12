import { sql, type Selectable } from 'kysely';
import type { AlertChannelKind, AlertChannelsTable, AlertSeverity } from './alerts-tables.ts';
import { ALERT_SEVERITIES } from './alerts-tables.ts';
import type { Db } from './merchants.ts';

/** Notification channels for alerts. Only non-secret settings live here; the secret is sealed in the vault. */
export type AlertChannelRow = Selectable<AlertChannelsTable>;

export async function insertAlertChannel(
  db: Db,
  c: { id: string; name: string; kind: AlertChannelKind; merchantId: string | null; minSeverity: AlertSeverity; minLevel: number; config: Record<string, unknown>; now: Date },
): Promise<AlertChannelRow> {
  return db
    .insertInto('alert_channels')
    .values({
      id: c.id,
      name: c.name,
      kind: c.kind,
      merchant_id: c.merchantId,
      min_severity: c.minSeverity,
      min_level: c.minLevel,
      config: JSON.stringify(c.config),
      created_at: c.now,
      updated_at: c.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findAlertChannel(db: Db, id: string): Promise<AlertChannelRow | undefined> {
  return db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAlertChannels(db: Db): Promise<AlertChannelRow[]> {
  return db.selectFrom('alert_channels').selectAll().orderBy('created_at').orderBy('id').execute();
}

export async function setAlertChannelEnabled(db: Db, id: string, enabled: boolean, now: Date): Promise<AlertChannelRow | undefined> {
  return db.updateTable('alert_channels').set({ enabled, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirst();
}

/**
 * The channels an alert goes to at an escalation level: enabled, global or of the alert's merchant,
 * joined at or below that level, and asking for this severity or lower.
 */
export async function channelsFor(db: Db, a: { merchantId: string | null; severity: AlertSeverity; level: number }): Promise<AlertChannelRow[]> {
  const allowed = ALERT_SEVERITIES.slice(0, ALERT_SEVERITIES.indexOf(a.severity) + 1);
  let q = db
    .selectFrom('alert_channels')
    .selectAll()
    .where('enabled', '=', true)
    .where('min_level', '<=', a.level)
    .where('min_severity', 'in', allowed);
  q = a.merchantId === null ? q.where('merchant_id', 'is', null) : q.where((eb) => eb.or([eb('merchant_id', 'is', null), eb('merchant_id', '=', a.merchantId)]));
  return q.orderBy('id').execute();
}

export async function countAlertChannels(db: Db): Promise<number> {
  const r = await db.selectFrom('alert_channels').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteAlertChannel(db: Db, id: string): Promise<boolean> {
  const r = await db.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
