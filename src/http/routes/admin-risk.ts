import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { decisionsForPayment } from '../../db/risk-decisions.ts';
import { findPayment } from '../../db/payments.ts';
import type { ServiceContext } from '../../services/context.ts';
import { inScope } from '../../services/operators/permissions.ts';
import { backtestStored } from '../../services/risk/backtest-stored.ts';
import { rejectReview } from '../../services/risk/reject-review.ts';
import { approveReview, assignReview, getReviewItem, listReviewItems, reviewView } from '../../services/risk/reviews.ts';
import { addListEntry, listEntryView, listListEntries, removeListEntry } from '../../services/risk/risk-lists.ts';
import { getRiskSettings, updateRiskSettings } from '../../services/risk/risk-settings.ts';
import { createDraft, getRuleSet, listRuleSetVersions, publish, ruleSetView, setRuleMode, updateDraft, validateRules } from '../../services/risk/rule-sets.ts';
import { operatorOf } from '../plugins/operator-auth.ts';

/**
 * Risk control in the admin API: the review queue (`reviews.read` / `reviews.decide`), rule set
 * versions, lists and backtests (`rules.read` / `rules.manage`), and a payment's stored decisions.
 * Routes only translate HTTP; scope checks, guards and audit entries live in services/risk.
 */
type Id = { Params: { id: string } };

function who(req: FastifyRequest) {
  const o = operatorOf(req).operator;
  return { operatorId: o.id, scope: o.merchant_scope, ip: req.ip };
}

const noteSchema = z.strictObject({ note: z.string().trim().min(1).max(1000).optional() });
const assignSchema = z.strictObject({ assignee: z.string().min(1).max(64) });
const merchantQuery = z.object({ merchant_id: z.string().min(1).max(64).optional() });
const rulesBody = z.strictObject({ rules: z.array(z.unknown()).max(500) });

function parse<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new AppError('invalid_input', 'invalid_request', 'The request is invalid.', { issues: r.error.issues.map((i) => ({ field: `/${i.path.join('/')}`, message: i.message })) });
  return r.data;
}

export function registerAdminRiskRoutes(scope: FastifyInstance, ctx: ServiceContext): void {
  // Review queue
  scope.get('/admin/api/reviews', { config: { permission: 'reviews.read' } }, async (req) => ({ object: 'list', data: await listReviewItems(ctx, who(req), req.query) }));
  scope.get<Id>('/admin/api/reviews/:id', { config: { permission: 'reviews.read' } }, async (req) => reviewView(await getReviewItem(ctx, who(req), req.params.id)));
  scope.post<Id>('/admin/api/reviews/:id/claim', { config: { permission: 'reviews.decide' } }, async (req) => {
    const w = who(req);
    return reviewView(await assignReview(ctx, w, req.params.id, w.operatorId));
  });
  scope.post<Id>('/admin/api/reviews/:id/assign', { config: { permission: 'reviews.decide' } }, async (req) =>
    reviewView(await assignReview(ctx, who(req), req.params.id, parse(assignSchema, req.body).assignee)),
  );
  scope.post<Id>('/admin/api/reviews/:id/approve', { config: { permission: 'reviews.decide' } }, async (req) =>
    reviewView(await approveReview(ctx, who(req), req.params.id, parse(noteSchema, req.body).note ?? null)),
  );
  scope.post<Id>('/admin/api/reviews/:id/reject', { config: { permission: 'reviews.decide' } }, async (req) =>
    reviewView(await rejectReview(ctx, who(req), req.params.id, parse(noteSchema, req.body).note ?? null)),
  );

  // Rule sets
  scope.get('/admin/api/risk/rule-sets', { config: { permission: 'rules.read' } }, async (req) => {
    const q = parse(merchantQuery, req.query);
    return { object: 'list', data: (await listRuleSetVersions(ctx, who(req), q.merchant_id ?? null)).map(ruleSetView) };
  });
  scope.get<Id>('/admin/api/risk/rule-sets/:id', { config: { permission: 'rules.read' } }, async (req) => ruleSetView(await getRuleSet(ctx, who(req), req.params.id)));
  scope.post('/admin/api/risk/rule-sets', { config: { permission: 'rules.manage' } }, async (req, reply) => reply.status(201).send(ruleSetView(await createDraft(ctx, who(req), req.body))));
  scope.put<Id>('/admin/api/risk/rule-sets/:id', { config: { permission: 'rules.manage' } }, async (req) =>
    ruleSetView(await updateDraft(ctx, who(req), req.params.id, parse(rulesBody, req.body).rules)),
  );
  // Validation only: answers 200 with the errors (and their positions) instead of refusing.
  scope.post('/admin/api/risk/rule-sets/validate', { config: { permission: 'rules.read' } }, async (req) => {
    const errors = validateRules(parse(rulesBody, req.body).rules);
    return { valid: errors.length === 0, errors };
  });
  scope.post<Id>('/admin/api/risk/rule-sets/:id/publish', { config: { permission: 'rules.manage' } }, async (req) => ruleSetView(await publish(ctx, who(req), req.params.id)));
  scope.put<{ Params: { id: string; ruleId: string } }>('/admin/api/risk/rule-sets/:id/rules/:ruleId/mode', { config: { permission: 'rules.manage' } }, async (req) =>
    ruleSetView(await setRuleMode(ctx, who(req), req.params.id, req.params.ruleId, req.body)),
  );

  // Lists
  scope.get('/admin/api/risk/lists', { config: { permission: 'rules.read' } }, async (req) => {
    const q = parse(merchantQuery, req.query);
    return { object: 'list', data: (await listListEntries(ctx, who(req), q.merchant_id ?? null)).map(listEntryView) };
  });
  scope.post('/admin/api/risk/lists', { config: { permission: 'rules.manage' } }, async (req, reply) => reply.status(201).send(listEntryView(await addListEntry(ctx, who(req), req.body))));
  scope.delete<Id>('/admin/api/risk/lists/:id', { config: { permission: 'rules.manage' } }, async (req, reply) => {
    await removeListEntry(ctx, who(req), req.params.id);
    return reply.status(204).send();
  });

  // A merchant's risk settings: the review SLA (due time of new review items)
  scope.get<Id>('/admin/api/merchants/:id/risk-settings', { config: { permission: 'rules.read' } }, async (req) => getRiskSettings(ctx, who(req), req.params.id));
  scope.put<Id>('/admin/api/merchants/:id/risk-settings', { config: { permission: 'rules.manage' } }, async (req) => updateRiskSettings(ctx, who(req), req.params.id, req.body));

  // Backtest and a payment's decisions (the console's payment timeline)
  scope.post('/admin/api/risk/backtest', { config: { permission: 'rules.read' } }, async (req) => backtestStored(ctx, who(req), req.body));
  scope.get<{ Params: { id: string }; Querystring: { merchant_id?: string } }>('/admin/api/risk/payments/:id/decisions', { config: { permission: 'payments.read' } }, async (req) => {
    const w = who(req);
    const mid = parse(z.object({ merchant_id: z.string().min(1).max(64) }), req.query).merchant_id;
    const p = inScope(w.scope, mid) ? await findPayment(ctx.db, mid, req.params.id) : undefined;
    if (!p) throw new AppError('not_found', 'payment_not_found', 'No such payment.');
    return { object: 'list', data: await decisionsForPayment(ctx.db, p.id) };
  });
}
