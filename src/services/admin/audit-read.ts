import { sql } from 'kysely';
import { z } from 'zod';
import { appendAudit } from '../../audit/append.ts';
import { exportAuditHead, verifyAuditLog } from '../../audit/verify.ts';
import type { AuditLogRow } from '../../db/audit-log.ts';
import { AppError } from '../../lib/errors.ts';
import type { ServiceContext } from '../context.ts';
import type { Actor } from '../operators/create-operator.ts';
import { parseOrThrow } from '../operators/operator-input.ts';
import { assertInScope, type MerchantScope } from '../operators/permissions.ts';

/**
 * The audit log in the console: a filtered, newest-first page (keyset cursor on the entry id, which is
 * chain order), the chain verification and the head export. An operator limited to some merchants sees
 * only the entries recorded for those merchants; entries without a merchant (sign-ins, operators,
 * configuration) are for unscoped operators only.
 */
const listSchema = z.strictObject({
  actor: z.string().trim().min(1).max(200).optional(),
  action: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/, 'a dotted action, or a prefix ending in .*')
    .max(120)
    .optional(),
  merchant_id: z.string().regex(/^mer_[A-Za-z0-9]{1,64}$/).optional(),
  outcome: z.enum(['success', 'failure']).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'a cursor from next_cursor').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const verifySchema = z.strictObject({ expected_head: z.string().regex(/^[0-9a-f]{64}$/).optional() });

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  actor_type: string;
  actor_id: string;
  action: string;
  target: string | null;
  merchant_id: string | null;
  outcome: string;
  ip: string | null;
  data: Record<string, unknown>;
  hash: string;
}

function entryView(r: AuditLogRow): AuditEntryView {
  return {
    seq: r.id,
    at: r.created_at.toISOString(),
    actor: `${r.actor_type}:${r.actor_id}`,
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    action: r.action,
    target: r.target_type && r.target_id ? `${r.target_type}:${r.target_id}` : null,
    merchant_id: r.merchant_id,
    outcome: r.outcome,
    ip: r.ip,
    data: r.data,
    hash: r.hash,
  };
}

/** `GET /admin/api/audit`: `actor` is an id or `type:id`; `action` exact or `prefix.*`; `[from, to)`. */
export async function listAuditEntries(ctx: Pick<ServiceContext, 'db'>, scope: MerchantScope, query: unknown) {
  const q = parseOrThrow(listSchema, query);
  if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) {
    throw new AppError('invalid_input', 'invalid_period', '`from` must be before `to`.', { field: '/from' });
  }
  if (q.merchant_id) assertInScope(scope, q.merchant_id);
  let sel = ctx.db.selectFrom('audit_log').selectAll();
  if (scope !== null) sel = scope.length === 0 ? sel.where(sql<boolean>`false`) : sel.where('merchant_id', 'in', [...scope]);
  if (q.merchant_id) sel = sel.where('merchant_id', '=', q.merchant_id);
  if (q.actor) {
    const i = q.actor.indexOf(':');
    sel = i > 0 ? sel.where('actor_type', '=', q.actor.slice(0, i) as AuditLogRow['actor_type']).where('actor_id', '=', q.actor.slice(i + 1)) : sel.where('actor_id', '=', q.actor);
  }
  if (q.action) sel = q.action.endsWith('.*') ? sel.where('action', 'like', `${q.action.slice(0, -1)}%`) : sel.where('action', '=', q.action);
  if (q.outcome) sel = sel.where('outcome', '=', q.outcome);
  if (q.from) sel = sel.where('created_at', '>=', new Date(q.from));
  if (q.to) sel = sel.where('created_at', '<', new Date(q.to));
  if (q.cursor) sel = sel.where('id', '<', Number(q.cursor));
  const rows = await sel.orderBy('id', 'desc').limit(q.limit + 1).execute();
  const page = rows.slice(0, q.limit);
  const more = rows.length > q.limit;
  return { object: 'list' as const, data: page.map(entryView), has_more: more, next_cursor: more ? String(page[page.length - 1]!.id) : null };
}

/**
 * `POST /admin/api/audit/verify`: walks the whole chain (the custody service's verifier) and answers
 * `{ok, head, count}` or the first broken entry. The run itself is recorded (after the walk).
 */
export async function verifyAuditChain(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: Actor, input: unknown) {
  const body = parseOrThrow(verifySchema, input);
  const v = await verifyAuditLog(ctx.db, body.expected_head ? { expectedHead: body.expected_head } : {});
  const out = v.ok
    ? { ok: true as const, head: v.head, count: v.count, anchor: v.anchor, purged: v.purged }
    : { ok: false as const, first_bad_seq: v.firstBrokenId === null ? null : Number(v.firstBrokenId), first_bad_index: v.firstBrokenIndex, reason: v.reason, anchor: v.anchor, purged: v.purged };
  await ctx.db.transaction().execute((trx) =>
    appendAudit(ctx, trx, { actor: { type: actor.type, id: actor.id }, action: 'audit.verified', outcome: v.ok ? 'success' : 'failure', ip: actor.ip, data: v.ok ? { count: v.count } : { reason: v.reason, first_bad_seq: out.ok ? null : out.first_bad_seq } }),
  );
  return out;
}

/** `GET /admin/api/audit/head`: the head hash to anchor elsewhere; the export is recorded. */
export async function auditHead(ctx: Pick<ServiceContext, 'db' | 'clock'>, actor: Actor) {
  const h = await exportAuditHead(ctx.db);
  await ctx.db.transaction().execute((trx) => appendAudit(ctx, trx, { actor: { type: actor.type, id: actor.id }, action: 'audit.head_exported', outcome: 'success', ip: actor.ip, data: { head: h.head } }));
  return { head: h.head, head_seq: h.headId, anchor: h.anchor, purged: h.purged };
}
