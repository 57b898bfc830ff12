import type { Transaction } from 'kysely';
import { appendAudit, type AuditInput } from '../../audit/append.ts';
import type { Database } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';

/** Who changes credentials, and from where: the admin API passes its operator, the CLI the OS user. */
export interface CredentialActor {
  actor: AuditInput['actor'];
  ip?: string | null;
}

/** One audit entry per credential change, written in the change's transaction. */
export function auditCredentialChange(
  ctx: { clock: Clock },
  trx: Transaction<Database>,
  by: CredentialActor,
  merchantId: string,
  action: string,
  data: Record<string, unknown> = {},
): Promise<unknown> {
  return appendAudit(ctx, trx, {
    actor: by.actor,
    action: `credentials.${action}`,
    target: { type: 'merchant', id: merchantId },
    merchantId,
    outcome: 'success',
    ip: by.ip ?? null,
    data,
  });
}
