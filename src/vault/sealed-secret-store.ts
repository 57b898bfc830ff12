import type { WrappedKey } from './kms-provider.ts';
import type { SealedSecret } from './sealed-secret.ts';

export interface SealedSecretRecord {
  id: string;
  sealed: SealedSecret;
}

/**
 * What a master-key rotation needs from storage. The database implementation pages by primary key
 * and does the compare-and-set in one UPDATE … WHERE wrapped_key = $expected.
 */
export interface SealedSecretStore {
  /** Up to `limit` records whose id sorts after `afterId` (all when null), in id order. */
  listPage(afterId: string | null, limit: number): Promise<SealedSecretRecord[]>;
  /**
   * Replaces the wrapped data key of one record only if it still holds `expected` (so a secret
   * re-sealed concurrently is never overwritten with a stale key). False when it changed or vanished.
   */
  updateWrappedKey(id: string, expected: WrappedKey, next: WrappedKey): Promise<boolean>;
}

/** An in-memory store for tests and the sandbox. */
export class MemorySealedSecretStore implements SealedSecretStore {
  readonly #rows = new Map<string, SealedSecret>();

  put(id: string, sealed: SealedSecret): void {
    this.#rows.set(id, { ...sealed });
  }

  get(id: string): SealedSecret | undefined {
    const s = this.#rows.get(id);
    return s ? { ...s } : undefined;
  }

  get size(): number {
    return this.#rows.size;
  }

  async listPage(afterId: string | null, limit: number): Promise<SealedSecretRecord[]> {
    const ids = [...this.#rows.keys()].filter((id) => afterId === null || id > afterId).sort();
    return ids.slice(0, limit).map((id) => ({ id, sealed: { ...this.#rows.get(id)! } }));
  }

  async updateWrappedKey(id: string, expected: WrappedKey, next: WrappedKey): Promise<boolean> {
    const row = this.#rows.get(id);
    if (!row || row.kekId !== expected.kekId || row.wrappedKey !== expected.wrapped) return false;
    this.#rows.set(id, { ...row, kekId: next.kekId, wrappedKey: next.wrapped });
    return true;
  }
}
