import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.ts';
import { insertAuditEntry, lockAuditHead, nextAuditId, type AuditActorType, type AuditLogRow, type AuditOutcome } from '../db/audit-log.ts';
import type { Clock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { canonicalJson, chainEntry } from './chain.ts';

export type { AuditActorType, AuditOutcome };

/** What a caller records. Never put secrets or raw personal data in `data`: it is kept for a year or more. */
export interface AuditInput {
  actor: { type: AuditActorType; id: string };
  /** Dotted snake_case verb, e.g. `credentials.apiv3_key.rotated`, `refund.created`, `operator.login`. */
  action: string;
  target?: { type: string; id: string } | undefined;
  merchantId?: string | null | undefined;
  outcome: AuditOutcome;
  ip?: string | null | undefined;
  data?: Record<string, unknown> | undefined;
}

const inputSchema = z.object({
  actor: z.object({ type: z.enum(['operator', 'merchant_api_key', 'system', 'cli']), id: z.string().min(1).max(200) }),
  action: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/).max(120),
  target: z.object({ type: z.string().min(1).max(64), id: z.string().min(1).max(200) }).optional(),
  merchantId: z.string().min(1).max(64).nullable().optional(),
  outcome: z.enum(['success', 'failure']),
  ip: z.string().max(64).nullable().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The content an entry's hash covers: every stored column except id (chain.ts adds it) and the two
 * hashes. Timestamps as ISO strings with millisecond precision, which PostgreSQL keeps exactly.
 */
export function auditContent(row: Omit<AuditLogRow, 'id' | 'prev_hash' | 'hash'>): Record<string, unknown> {
  return {
    created_at: row.created_at.toISOString(),
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    merchant_id: row.merchant_id,
    outcome: row.outcome,
    ip: row.ip,
    data: row.data,
  };
}

/**
 * Appends one entry to the hash-chained audit log inside the caller's transaction, so the record
 * exists if and only if the change it describes commits. Locks the chain head row until commit: call
 * it as late in the transaction as you can, and never across a network call.
 */
export async function appendAudit(ctx: { clock: Clock }, trx: Transaction<Database>, input: AuditInput): Promise<{ id: number; hash: string }> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('internal', 'audit_entry_invalid', 'an audit entry is malformed', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
  }
  const e = parsed.data;
  const data = e.data ?? {};
  // Round-trip through canonical JSON now: anything jsonb would change (undefined, Dates, NaN) is refused here, not at verify time.
  const dataJson = canonicalJson(data);
  if (dataJson.includes('\\u0000')) throw new AppError('internal', 'audit_entry_invalid', 'audit data may not contain NUL characters');
  const created = new Date(ctx.clock.now());
  const base = {
    created_at: created,
    actor_type: e.actor.type,
    actor_id: e.actor.id,
    action: e.action,
    target_type: e.target?.type ?? null,
    target_id: e.target?.id ?? null,
    merchant_id: e.merchantId ?? null,
    outcome: e.outcome,
    ip: e.ip ?? null,
    data: JSON.parse(dataJson) as Record<string, unknown>,
  };
  const head = await lockAuditHead(trx);
  const id = await nextAuditId(trx);
  const chained = chainEntry(head.head_hash, String(id), auditContent(base));
  await insertAuditEntry(trx, { ...base, data: dataJson, id, prev_hash: chained.prevHash, hash: chained.hash });
  return { id, hash: chained.hash };
}
