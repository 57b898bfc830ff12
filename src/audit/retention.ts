import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { purgeAuditBefore } from '../db/audit-log.ts';
import type { Clock } from '../lib/clock.ts';
import { AppError } from '../lib/errors.ts';
import { appendAudit } from './append.ts';

export const MIN_AUDIT_RETENTION_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * Removes audit entries older than the retention period (at least a year). The database function
 * removes a prefix of the chain and records the last removed hash as the anchor, so what is left
 * still verifies; the purge itself is then recorded as an audit entry.
 */
export async function purgeExpiredAudit(ctx: { db: Kysely<Database>; clock: Clock }, retentionDays: number): Promise<number> {
  if (!Number.isInteger(retentionDays) || retentionDays < MIN_AUDIT_RETENTION_DAYS) {
    throw new AppError('invalid_input', 'audit_retention_too_short', `audit entries are kept at least ${MIN_AUDIT_RETENTION_DAYS} days`);
  }
  const cutoff = new Date(ctx.clock.now() - retentionDays * DAY_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const removed = await purgeAuditBefore(trx, cutoff);
    if (removed > 0) {
      await appendAudit(ctx, trx, {
        actor: { type: 'system', id: 'audit-retention' },
        action: 'audit.purged',
        outcome: 'success',
        data: { removed, cutoff: cutoff.toISOString(), retention_days: retentionDays },
      });
    }
    return removed;
  });
}
