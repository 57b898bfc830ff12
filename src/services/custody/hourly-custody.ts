import { purgeExpiredAudit } from '../../audit/retention.ts';
import type { ServiceContext } from '../context.ts';
import { runCredentialMaintenance } from '../credentials/credential-maintenance.ts';

/**
 * The hourly custody duties, run from the workers' purge slot: credential maintenance (grace
 * windows, certificate refresh, expiry events) and audit retention. Each failure is logged and
 * retried next hour; neither blocks the other.
 */
export async function runHourlyCustody(ctx: ServiceContext, opts: { auditRetentionDays?: number | undefined }): Promise<void> {
  try {
    await runCredentialMaintenance(ctx);
  } catch (err) {
    ctx.logger.error({ code: (err as { code?: string }).code }, 'credential maintenance failed');
  }
  if (opts.auditRetentionDays === undefined) return;
  try {
    await purgeExpiredAudit(ctx, opts.auditRetentionDays);
  } catch (err) {
    ctx.logger.error({ code: (err as { code?: string }).code }, 'audit retention purge failed');
  }
}
