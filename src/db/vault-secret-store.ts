import type { Kysely } from 'kysely';
import type { SealedSecretRecord, SealedSecretStore } from '../vault/sealed-secret-store.ts';
import type { WrappedKey } from '../vault/kms-provider.ts';
import { parseSealedSecret } from '../vault/sealed-secret.ts';
import type { Database } from './schema.ts';
import { compareAndSetWrappedKey, listVaultSecretPage } from './vault-secrets.ts';

/**
 * `vault_secrets` as the store a master-key rotation walks: pages by primary key, and moves one
 * wrapped data key by compare-and-set (no transaction, no lock held across the KMS calls), so the
 * service keeps reading and writing secrets while the rotation runs.
 */
export class DbSealedSecretStore implements SealedSecretStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async listPage(afterId: string | null, limit: number): Promise<SealedSecretRecord[]> {
    const rows = await listVaultSecretPage(this.#db, afterId, limit);
    return rows.map((r) => ({ id: r.id, sealed: parseSealedSecret(r.envelope) }));
  }

  updateWrappedKey(id: string, expected: WrappedKey, next: WrappedKey): Promise<boolean> {
    return compareAndSetWrappedKey(this.#db, id, expected, next);
  }
}
