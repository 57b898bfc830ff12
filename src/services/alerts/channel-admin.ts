import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { deleteAlertChannel, findAlertChannel, listAlertChannels, setAlertChannelEnabled, type AlertChannelRow } from '../../db/alerts-channels.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { destroySecret } from '../custody/secrets.ts';
import { inScope } from '../operators/permissions.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import type { AdminActor } from './alert-admin.ts';
import type { AlertPayload } from './alert-message.ts';
import { alertChannelSecretId, channelView, createAlertChannel, type AlertChannelInput } from './manage-channels.ts';
import { deliverToChannel } from './send-notification.ts';

/**
 * Alert channels in the admin API. The secret (webhook HMAC secret, robot key, SMTP password) is
 * accepted once at creation, sealed in the vault and never returned. An operator limited to some
 * merchants manages only those merchants' channels; global channels need an unscoped operator.
 * Every change is audited in the transaction that makes it.
 */
type Ctx = Pick<ServiceContext, 'db' | 'clock' | 'vault' | 'mode' | 'alerting'>;

const notFound = () => new AppError('not_found', 'alert_channel_not_found', 'No such alert channel.');

function visible(who: AdminActor, c: { merchant_id: string | null }): boolean {
  return who.scope === null || (c.merchant_id !== null && inScope(who.scope, c.merchant_id));
}

async function channelInScope(ctx: Pick<ServiceContext, 'db'>, who: AdminActor, id: string): Promise<AlertChannelRow> {
  const c = await findAlertChannel(ctx.db, id);
  if (!c || !visible(who, c)) throw notFound();
  return c;
}

export async function listChannelsForOperator(ctx: Pick<ServiceContext, 'db'>, who: AdminActor) {
  return { object: 'list' as const, data: (await listAlertChannels(ctx.db)).filter((c) => visible(who, c)).map(channelView) };
}

/** The API speaks snake_case; the channel service takes camelCase. */
function fromApi(body: unknown): AlertChannelInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: [{ field: '/', message: 'expected a JSON object', code: 'invalid_type' }] });
  }
  const { merchant_id, min_severity, min_level, ...rest } = body as Record<string, unknown>;
  return { ...rest, ...(merchant_id !== undefined ? { merchantId: merchant_id } : {}), ...(min_severity !== undefined ? { minSeverity: min_severity } : {}), ...(min_level !== undefined ? { minLevel: min_level } : {}) } as AlertChannelInput;
}

export async function createChannelForOperator(ctx: Ctx, who: AdminActor, body: unknown) {
  const input = fromApi(body);
  const merchantId = (input as { merchantId?: unknown }).merchantId ?? null;
  if (who.scope !== null) {
    if (merchantId === null) throw new AppError('forbidden', 'alert_channel_global_forbidden', 'Only an operator with access to every merchant may add a global channel.');
    if (typeof merchantId === 'string' && !inScope(who.scope, merchantId)) throw new AppError('not_found', 'merchant_not_found', 'No such resource.');
  }
  return createAlertChannel(ctx, input, { operatorId: who.operatorId, ip: who.ip ?? null });
}

const enabledBody = z.strictObject({ enabled: z.boolean() });

export async function setChannelEnabledForOperator(ctx: Ctx, who: AdminActor, id: string, body: unknown) {
  const { enabled } = parseOrThrow(enabledBody, body);
  const c = await channelInScope(ctx, who, id);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const updated = await setAlertChannelEnabled(trx, c.id, enabled, new Date(ctx.clock.now()));
    if (!updated) throw notFound();
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: enabled ? 'alert_channel.enabled' : 'alert_channel.disabled', target: { type: 'alert_channel', id: c.id }, merchantId: c.merchant_id, outcome: 'success', ip: who.ip ?? null });
    return updated;
  });
  return channelView(row);
}

/** Deletes the channel and destroys its sealed secret; queued notifications to it are then skipped. */
export async function deleteChannelForOperator(ctx: Ctx, who: AdminActor, id: string): Promise<void> {
  const c = await channelInScope(ctx, who, id);
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await deleteAlertChannel(trx, c.id))) throw notFound();
    await destroySecret(trx, alertChannelSecretId(c.id));
    await appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: 'alert_channel.deleted', target: { type: 'alert_channel', id: c.id }, merchantId: c.merchant_id, outcome: 'success', ip: who.ip ?? null, data: { kind: c.kind } });
  });
}

/**
 * Sends one test notification now (even to a disabled channel: that is how one checks it before
 * enabling) and answers with the outcome: `delivered`, or `failed` with the channel's stable code.
 */
export async function testChannelForOperator(ctx: Ctx, who: AdminActor, id: string) {
  const c = await channelInScope(ctx, who, id);
  const now = new Date(ctx.clock.now()).toISOString();
  const payload: AlertPayload = {
    id: 'alt_test',
    key: `test:${c.id}`,
    source: 'channel.test',
    severity: 'info',
    status: 'open',
    title: '测试通知 Test notification from Anfu',
    merchant_id: c.merchant_id,
    count: 1,
    escalation_level: 0,
    first_seen_at: now,
    last_seen_at: now,
    reason: 'test',
    data: { channel: c.name, requested_by: who.operatorId },
  };
  const r = await deliverToChannel(ctx, c, payload);
  await ctx.db.transaction().execute((trx) =>
    appendAudit(ctx, trx, { actor: { type: 'operator', id: who.operatorId }, action: 'alert_channel.tested', target: { type: 'alert_channel', id: c.id }, merchantId: c.merchant_id, outcome: r.status === 'delivered' ? 'success' : 'failure', ip: who.ip ?? null, data: r.status === 'failed' ? { error: r.error } : {} }),
  );
  return r.status === 'delivered' ? { channel_id: c.id, delivered: true } : { channel_id: c.id, delivered: false, error: r.error, permanent: r.permanent };
}
