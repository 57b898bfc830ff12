import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { insertAlertEvent, lockActiveForMonitor, updateAlert } from '../../db/alerts.ts';
import { listMonitors, upsertMonitor, type AlertMonitorRow } from '../../db/alerts-monitors.ts';
import { ALERT_SEVERITIES, MONITOR_KINDS, type MonitorKind } from '../../db/alerts-tables.ts';
import { findMerchantById } from '../../db/merchants.ts';
import { AppError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AdminActor } from '../alerts/alert-admin.ts';
import type { ServiceContext } from '../context.ts';
import { inScope } from '../operators/permissions.ts';
import { parseOrThrow } from '../operators/operator-input.ts';

/**
 * Per-merchant monitor overrides in the admin API. A merchant's effective monitor of a kind is its
 * own override when it has one, otherwise the global default (merchant_id NULL), otherwise none.
 * Upserting and deleting an override are audited in the same transaction; deleting one resolves the
 * alerts it had open (the global default, if any, takes over from the next evaluation).
 */
type Ctx = Pick<ServiceContext, 'db' | 'clock'>;

export const monitorOverrideBody = z.strictObject({
  threshold: z.number().int().min(0).max(1e12),
  window_seconds: z.number().int().min(60).max(7 * 86_400),
  min_volume: z.number().int().min(0).max(1_000_000).default(0),
  severity: z.enum(ALERT_SEVERITIES),
  enabled: z.boolean().default(true),
  auto_resolve: z.boolean().default(true),
});
const kindSchema = z.enum(MONITOR_KINDS);

function monitorView(m: AlertMonitorRow, source: 'override' | 'global') {
  return {
    id: m.id,
    object: 'monitor' as const,
    kind: m.kind,
    source,
    merchant_id: m.merchant_id,
    threshold: Number(m.threshold),
    window_seconds: m.window_seconds,
    min_volume: m.min_volume,
    severity: m.severity,
    enabled: m.enabled,
    auto_resolve: m.auto_resolve,
    updated_at: m.updated_at.toISOString(),
  };
}

async function merchantInScope(ctx: Ctx, who: AdminActor, merchantId: string): Promise<string> {
  const m = inScope(who.scope, merchantId) ? await findMerchantById(ctx.db, merchantId) : undefined;
  if (!m) throw new AppError('not_found', 'merchant_not_found', 'No such resource.');
  return m.id;
}

function parseKind(kind: string): MonitorKind {
  const r = kindSchema.safeParse(kind);
  if (!r.success) throw new AppError('not_found', 'monitor_kind_unknown', 'No such monitor kind.', { kinds: [...MONITOR_KINDS] });
  return r.data;
}

export async function effectiveMonitors(ctx: Ctx, who: AdminActor, merchantId: string) {
  const id = await merchantInScope(ctx, who, merchantId);
  const all = await listMonitors(ctx.db);
  const data = MONITOR_KINDS.flatMap((kind) => {
    const own = all.find((m) => m.kind === kind && m.merchant_id === id);
    const global = all.find((m) => m.kind === kind && m.merchant_id === null);
    return own ? [monitorView(own, 'override')] : global ? [monitorView(global, 'global')] : [];
  });
  return { object: 'list' as const, merchant_id: id, data };
}

/** The global monitors (merchant_id NULL): the defaults every merchant without an override of a kind gets. */
export async function globalMonitors(ctx: Ctx) {
  const all = await listMonitors(ctx.db);
  const data = MONITOR_KINDS.flatMap((kind) => {
    const global = all.find((m) => m.kind === kind && m.merchant_id === null);
    return global ? [monitorView(global, 'global')] : [];
  });
  return { object: 'list' as const, data };
}

/**
 * Creates or replaces the global monitor of a kind. It concerns every merchant, so only an operator
 * with access to every merchant may change it; audited (`monitor.global_saved`) in the same transaction.
 */
export async function upsertGlobalMonitor(ctx: Ctx, who: AdminActor, kindParam: string, body: unknown) {
  if (who.scope !== null) throw new AppError('forbidden', 'monitor_global_forbidden', 'Only an operator with access to every merchant may change a global monitor.');
  return saveMonitor(ctx, who, null, kindParam, body);
}

export async function upsertOverride(ctx: Ctx, who: AdminActor, merchantId: string, kindParam: string, body: unknown) {
  return saveMonitor(ctx, who, await merchantInScope(ctx, who, merchantId), kindParam, body);
}

/** Validates and stores a monitor (global when `merchantId` is null), audited in the same transaction. */
async function saveMonitor(ctx: Ctx, who: AdminActor, merchantId: string | null, kindParam: string, body: unknown) {
  const kind = parseKind(kindParam);
  const b = parseOrThrow(monitorOverrideBody, body);
  if (kind === 'success_rate' && b.threshold > 10_000) {
    throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: [{ field: '/threshold', message: 'a success-rate floor is in basis points (0–10000)' }] });
  }
  const row = await ctx.db.transaction().execute(async (trx) => {
    const now = new Date(ctx.clock.now());
    const m = await upsertMonitor(trx, { id: newId('mon'), merchantId, kind, threshold: b.threshold, windowSeconds: b.window_seconds, minVolume: b.min_volume, severity: b.severity, enabled: b.enabled, autoResolve: b.auto_resolve, now });
    const action = merchantId === null ? 'monitor.global_saved' : 'monitor.override_saved';
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action, target: { type: 'monitor', id: m.id }, merchantId, outcome: 'success', ip: who.ip ?? null, data: { kind, ...b } });
    return m;
  });
  return monitorView(row, merchantId === null ? 'global' : 'override');
}

export async function deleteOverride(ctx: Ctx, who: AdminActor, merchantId: string, kindParam: string): Promise<void> {
  const id = await merchantInScope(ctx, who, merchantId);
  const kind = parseKind(kindParam);
  await ctx.db.transaction().execute(async (trx) => {
    const m = await trx.selectFrom('alert_monitors').selectAll().where('merchant_id', '=', id).where('kind', '=', kind).forUpdate().executeTakeFirst();
    if (!m) throw new AppError('not_found', 'monitor_override_not_found', 'This merchant has no override of this monitor.');
    const now = new Date(ctx.clock.now());
    for (const a of await lockActiveForMonitor(trx, m.id)) {
      await updateAlert(trx, a.id, { status: 'resolved', resolved_by: `system:monitor_deleted`, resolved_at: now });
      await insertAlertEvent(trx, { alertId: a.id, kind: 'auto_resolved', actor: 'system', data: { monitor_id: m.id, reason: 'monitor_deleted' }, at: now });
    }
    await trx.deleteFrom('alert_monitors').where('id', '=', m.id).execute();
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: 'monitor.override_deleted', target: { type: 'monitor', id: m.id }, merchantId: id, outcome: 'success', ip: who.ip ?? null, data: { kind } });
  });
}
