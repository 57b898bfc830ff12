import { AppError } from '../lib/errors.ts';
import type { KmsProvider, WrappedKey } from './kms-provider.ts';
import type { SealedSecretStore } from './sealed-secret-store.ts';
import type { Vault } from './vault.ts';

export interface RotationReport {
  /** Records whose data key was re-wrapped under the new KEK. */
  rewrapped: number;
  /** Records already under the new KEK (a re-run after an interruption skips them). */
  alreadyCurrent: number;
  /** Compare-and-set misses: the record changed while we worked; retried on the next pass. */
  conflicts: number;
  passes: number;
}

/**
 * Re-wraps every data key under `newProvider` while the service runs (`anfu keys rotate-master`).
 *
 * The vault switches to the new KEK first, so every seal from then on uses it, while the old
 * provider stays registered so concurrent reads of not-yet-moved records still open. Each record is
 * updated by compare-and-set of its wrapped key alone; the ciphertext is never touched. Re-running
 * after an interruption skips what was already moved, so the command is idempotent.
 */
export async function rotateMaster(
  vault: Vault,
  store: SealedSecretStore,
  newProvider: KmsProvider,
  opts: { pageSize?: number; maxPasses?: number } = {},
): Promise<RotationReport> {
  const pageSize = opts.pageSize ?? 100;
  const maxPasses = opts.maxPasses ?? 5;
  vault.useProvider(newProvider);
  const report: RotationReport = { rewrapped: 0, alreadyCurrent: 0, conflicts: 0, passes: 0 };

  for (let pass = 1; pass <= maxPasses; pass++) {
    report.passes = pass;
    let conflictsThisPass = 0;
    let afterId: string | null = null;
    for (;;) {
      const page = await store.listPage(afterId, pageSize);
      if (page.length === 0) break;
      for (const { id, sealed } of page) {
        const current: WrappedKey = { kekId: sealed.kekId, wrapped: sealed.wrappedKey };
        const next = await moveKey(vault, newProvider, current);
        if (next === null) {
          if (pass === 1) report.alreadyCurrent++;
          continue;
        }
        if (await store.updateWrappedKey(id, current, next)) report.rewrapped++;
        else conflictsThisPass++;
      }
      afterId = page[page.length - 1]!.id;
    }
    report.conflicts += conflictsThisPass;
    if (conflictsThisPass === 0) return report;
  }
  throw new AppError('conflict', 'rotation_incomplete', `records kept changing during ${maxPasses} rotation passes; run the rotation again`, {
    ...report,
  });
}

/** The new wrapped key, or null when the record is already under the newest KEK version. */
async function moveKey(vault: Vault, newProvider: KmsProvider, w: WrappedKey): Promise<WrappedKey | null> {
  if (w.kekId !== newProvider.kekId) return vault.rewrapKey(w);
  if (!newProvider.versioned) return null;
  const next = await newProvider.rewrap(w);
  return newProvider.keyVersion(next) === newProvider.keyVersion(w) ? null : next;
}
