import type { Kysely } from 'kysely';
import { appendAudit, type AuditInput } from '../../audit/append.ts';
import { DbSealedSecretStore } from '../../db/vault-secret-store.ts';
import { countVaultSecretsByKek } from '../../db/vault-secrets.ts';
import type { Database } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import type { KmsProvider } from '../../vault/kms-provider.ts';
import { rotateMaster, type RotationReport } from '../../vault/rotate-master.ts';
import type { Vault } from '../../vault/vault.ts';

/**
 * Re-wraps every data key in `vault_secrets` under `next` while the service runs, then records the
 * rotation (and what is left under other KEKs, which should be nothing) in the audit log.
 */
export async function rotateMasterKey(
  ctx: { db: Kysely<Database>; clock: Clock; vault: Vault },
  next: KmsProvider,
  actor: AuditInput['actor'],
  opts: { pageSize?: number } = {},
): Promise<RotationReport & { remaining: Array<{ kek_id: string; n: number }> }> {
  const from = ctx.vault.currentProvider.kekId;
  let report: RotationReport;
  try {
    report = await rotateMaster(ctx.vault, new DbSealedSecretStore(ctx.db), next, opts);
  } catch (e) {
    await ctx.db.transaction().execute((trx) =>
      appendAudit(ctx, trx, { actor, action: 'vault.master_key.rotated', outcome: 'failure', data: { from_kek: from, to_kek: next.kekId, error: (e as { code?: string }).code ?? 'error' } }),
    );
    throw e;
  }
  const remaining = (await countVaultSecretsByKek(ctx.db)).filter((r) => r.kek_id !== next.kekId);
  await ctx.db.transaction().execute((trx) =>
    appendAudit(ctx, trx, { actor, action: 'vault.master_key.rotated', outcome: 'success', data: { from_kek: from, to_kek: next.kekId, ...report, remaining } }),
  );
  return { ...report, remaining };
}
