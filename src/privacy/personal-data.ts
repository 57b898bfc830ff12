import { AppError } from '../lib/errors.ts';
import type { Secret } from '../lib/secret.ts';
import type { SealedSecret } from '../vault/sealed-secret.ts';
import type { Vault } from '../vault/vault.ts';
import type { BlindIndexer } from './blind-index.ts';
import { mask } from './mask.ts';
import { normalise, type PersonalDataKind } from './normalise.ts';

/** What a table stores for one personal-data field: never the plaintext. */
export interface ProtectedField {
  kind: PersonalDataKind;
  /** The normalised value, sealed by the vault under `pii:<kind>:<ownerId>`. */
  sealed: SealedSecret;
  /** Blind index for equality lookup (`WHERE payer_openid_index = $1`). */
  index: string;
  /** Safe to show and log. */
  masked: string;
}

const OWNER_ID = /^[A-Za-z0-9_.:-]{1,150}$/;

/**
 * Field-level encryption of personal data: each value is normalised, sealed with its own data key
 * (AAD binds kind and owner, so a ciphertext copied to another row does not open), indexed with the
 * blind indexer and masked for display. Reads go through `reveal`, which callers audit as a
 * personal-data read.
 */
export class PersonalDataProtector {
  readonly #vault: Vault;
  readonly #indexer: BlindIndexer;

  constructor(opts: { vault: Vault; indexer: BlindIndexer }) {
    this.#vault = opts.vault;
    this.#indexer = opts.indexer;
  }

  /** `ownerId` names the row and field owning the value, e.g. `payment:pay_3kT9…`. */
  async protect(kind: PersonalDataKind, value: string, ownerId: string): Promise<ProtectedField> {
    const n = normalise(kind, value);
    const sealed = await this.#vault.seal(secretId(kind, ownerId), n);
    return { kind, sealed, index: this.#indexer.indexNormalised(kind, n), masked: mask(kind, n) };
  }

  async reveal(field: Pick<ProtectedField, 'kind' | 'sealed'>, ownerId: string): Promise<Secret<string>> {
    return this.#vault.openString(secretId(field.kind, ownerId), field.sealed);
  }

  /** The index to search for: same normalisation as at write time. */
  lookupIndex(kind: PersonalDataKind, value: string): string {
    return this.#indexer.index(kind, value);
  }
}

function secretId(kind: PersonalDataKind, ownerId: string): string {
  if (!OWNER_ID.test(ownerId)) throw new AppError('invalid_input', 'pii_owner_invalid', 'owner id must be 1–150 of [A-Za-z0-9_.:-]');
  return `pii:${kind}:${ownerId}`;
}
