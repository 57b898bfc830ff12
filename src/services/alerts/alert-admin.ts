import { z } from 'zod';
import { ALERT_SEVERITIES, ALERT_STATUSES } from '../../db/alerts-tables.ts';
import { findAlert, listAlertEvents, listAlerts, type AlertEventRow, type AlertRow } from '../../db/alerts.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { inScope, type MerchantScope } from '../operators/permissions.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import { acknowledgeAlert, resolveAlert } from './alert-lifecycle.ts';

/**
 * Alerts in the admin API: a filtered, keyset-paged list, one alert with its history, acknowledge and
 * resolve. An operator limited to some merchants sees only those merchants' alerts — never global
 * ones (they may speak of any merchant) — and anything else answers `404 alert_not_found`.
 */
export interface AdminActor {
  operatorId: string;
  scope: MerchantScope;
  ip?: string | null;
}

const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const listAlertsQuery = z
  .strictObject({
    status: z.enum(ALERT_STATUSES).optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    merchant_id: z.string().min(1).max(64).optional(),
    source: z.string().regex(/^[a-z0-9_.:-]{1,100}$/).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['from'] });

export function alertView(a: AlertRow) {
  return {
    id: a.id,
    object: 'alert' as const,
    key: a.key,
    source: a.source,
    monitor_id: a.monitor_id,
    merchant_id: a.merchant_id,
    severity: a.severity,
    status: a.status,
    title: a.title,
    count: a.count,
    escalation_level: a.escalation_level,
    first_seen_at: a.first_seen_at.toISOString(),
    last_seen_at: a.last_seen_at.toISOString(),
    last_notified_at: a.last_notified_at?.toISOString() ?? null,
    acknowledged_by: a.acknowledged_by,
    acknowledged_at: a.acknowledged_at?.toISOString() ?? null,
    resolved_by: a.resolved_by,
    resolved_at: a.resolved_at?.toISOString() ?? null,
    data: a.data,
  };
}

function eventView(e: AlertEventRow) {
  return { id: Number(e.id), kind: e.kind, actor: e.actor, data: e.data, at: e.created_at.toISOString() };
}

const encodeCursor = (a: AlertRow) => Buffer.from(`${a.last_seen_at.toISOString()}|${a.id}`).toString('base64url');

function decodeCursor(c: string): { lastSeenAt: Date; id: string } {
  const [at, id] = Buffer.from(c, 'base64url').toString('utf8').split('|');
  const lastSeenAt = new Date(at ?? '');
  if (!id || !/^[A-Za-z0-9_]{1,64}$/.test(id) || Number.isNaN(lastSeenAt.getTime())) {
    throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: [{ field: '/cursor', message: 'not a cursor from a previous page' }] });
  }
  return { lastSeenAt, id };
}

export async function listAlertsForOperator(ctx: Pick<ServiceContext, 'db'>, who: AdminActor, rawQuery: unknown) {
  const q = parseOrThrow(listAlertsQuery, rawQuery);
  if (q.merchant_id && !inScope(who.scope, q.merchant_id)) return { object: 'list' as const, data: [], next_cursor: null };
  const rows = await listAlerts(ctx.db, {
    status: q.status,
    severity: q.severity,
    merchantId: q.merchant_id,
    source: q.source,
    merchantIds: who.scope,
    from: q.from,
    to: q.to,
    before: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { object: 'list' as const, data: page.map(alertView), next_cursor: rows.length > q.limit ? encodeCursor(page[page.length - 1]!) : null };
}

async function alertInScope(ctx: Pick<ServiceContext, 'db'>, who: AdminActor, id: string): Promise<AlertRow> {
  const a = await findAlert(ctx.db, id);
  const visible = a && (who.scope === null || (a.merchant_id !== null && inScope(who.scope, a.merchant_id)));
  if (!a || !visible) throw new AppError('not_found', 'alert_not_found', 'No such alert.');
  return a;
}

export async function alertDetail(ctx: Pick<ServiceContext, 'db'>, who: AdminActor, id: string) {
  const a = await alertInScope(ctx, who, id);
  return { ...alertView(a), history: (await listAlertEvents(ctx.db, a.id)).map(eventView) };
}

const noteBody = z.strictObject({ note: z.string().trim().min(1).max(1000).optional() });

type LifecycleCtx = Pick<ServiceContext, 'db' | 'jobs' | 'clock' | 'alerting'>;

export async function acknowledgeForOperator(ctx: LifecycleCtx, who: AdminActor, id: string, body: unknown) {
  const { note } = parseOrThrow(noteBody, body);
  await alertInScope(ctx, who, id);
  return alertView(await acknowledgeAlert(ctx, { alertId: id, actor: who.operatorId, note, ip: who.ip ?? null }));
}

export async function resolveForOperator(ctx: LifecycleCtx, who: AdminActor, id: string, body: unknown) {
  const { note } = parseOrThrow(noteBody, body);
  await alertInScope(ctx, who, id);
  return alertView(await resolveAlert(ctx, { alertId: id, actor: who.operatorId, note, ip: who.ip ?? null }));
}
