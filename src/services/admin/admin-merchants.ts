import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { listMerchantEvents, updateMerchantH5Domains } from '../../db/admin-read-models.ts';
import { findMerchantById, listMerchants } from '../../db/merchants.ts';
import { isBareHost, isLiveH5Domain } from '../../domain/merchant.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import { toMerchant } from '../merchants/merchants.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import { assertInScope, inScope, type MerchantScope } from '../operators/permissions.ts';
import type { Actor } from '../operators/create-operator.ts';

/** The console's merchant views: configuration without secrets, filtered by the operator's scope. */
export interface MerchantSummary {
  id: string;
  name: string;
  mchid: string;
  appid: string;
  mode: 'sandbox' | 'live';
  disabled: boolean;
  created_at: string;
}

export async function listMerchantsInScope(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope): Promise<MerchantSummary[]> {
  return (await listMerchants(ctx.db))
    .filter((m) => inScope(scope, m.id))
    .map((m) => ({ id: m.id, name: m.name, mchid: m.mchid, appid: m.appid, mode: m.mode, disabled: m.disabled_at !== null, created_at: m.created_at.toISOString() }));
}

/** Out-of-scope and unknown ids answer the same 404 `merchant_not_found`. */
export async function merchantInScope(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string) {
  assertInScope(scope, id);
  const row = await findMerchantById(ctx.db, id);
  if (!row) throw new AppError('not_found', 'merchant_not_found', 'No such resource.');
  return toMerchant(row);
}

export async function merchantDetail(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string) {
  const m = await merchantInScope(ctx, scope, id);
  return {
    id: m.id,
    name: m.name,
    mchid: m.mchid,
    appid: m.appid,
    mode: m.mode,
    h5_domains: m.h5Domains,
    webhook_url: m.webhookUrl,
    wechat_api_base_url: m.wechatApiBaseUrl,
    wechat_api_backup_url: m.wechatApiBackupUrl,
    key_mode: m.keyMode,
    merchant_serial: m.merchantSerial,
    disabled: m.disabledAt !== null,
    created_at: m.createdAt.toISOString(),
  };
}

const h5DomainsSchema = z.strictObject({
  h5_domains: z
    .array(z.string().trim().toLowerCase().refine(isBareHost, 'must be a bare hostname such as shop.example.com'))
    .min(1)
    .max(20)
    .transform((d) => [...new Set(d)]),
});

/** `PUT /admin/api/merchants/:id/h5-domains`: the same rules as at import (live needs public DNS names). */
export async function updateH5Domains(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: Actor, scope: MerchantScope, id: string, input: unknown) {
  const m = await merchantInScope(ctx, scope, id);
  const body = parseOrThrow(h5DomainsSchema, input);
  if (m.mode === 'live') {
    const bad = body.h5_domains.filter((d) => !isLiveH5Domain(d));
    if (bad.length) throw new AppError('invalid_input', 'h5_domain_not_public', 'Live merchants need public DNS names (no localhost or IP).', { domains: bad });
  }
  await ctx.db.transaction().execute(async (trx) => {
    await updateMerchantH5Domains(trx, id, body.h5_domains, new Date(ctx.clock.now()));
    await appendAudit(ctx, trx, { actor: { type: actor.type, id: actor.id }, action: 'merchant.h5_domains_changed', target: { type: 'merchant', id }, merchantId: id, outcome: 'success', ip: actor.ip, data: { from: m.h5Domains, to: body.h5_domains } });
  });
  return merchantDetail(ctx, scope, id);
}

const eventsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(50), before: z.iso.datetime({ offset: true }).optional() });

/** The delivery log: recent events with their latest attempt status. */
export async function merchantDeliveryLog(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, id: string, query: unknown) {
  await merchantInScope(ctx, scope, id);
  const q = parseOrThrow(eventsQuery, query);
  const rows = await listMerchantEvents(ctx.db, id, q.limit, q.before ? new Date(q.before) : undefined);
  return rows.map((r) => ({ id: r.id, type: r.type, created_at: r.created_at.toISOString(), attempts: Number(r.attempts ?? 0), last_status: r.last_status ?? null }));
}

/** Records an admin action done through an existing merchant service (which owns its transaction). */
export async function auditAfter(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: Actor, action: string, merchantId: string, target: { type: string; id: string }, data: Record<string, unknown> = {}): Promise<void> {
  await ctx.db.transaction().execute((trx) => appendAudit(ctx, trx, { actor: { type: actor.type, id: actor.id }, action, target, merchantId, outcome: 'success', ip: actor.ip, data }));
}
