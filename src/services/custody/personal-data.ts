import { randomBytes } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { findVaultSecret } from '../../db/vault-secrets.ts';
import type { Clock } from '../../lib/clock.ts';
import { Secret } from '../../lib/secret.ts';
import { BlindIndexer } from '../../privacy/blind-index.ts';
import { mask } from '../../privacy/mask.ts';
import { normalise, type PersonalDataKind } from '../../privacy/normalise.ts';
import { parseSealedSecret } from '../../vault/sealed-secret.ts';
import type { Vault } from '../../vault/vault.ts';
import { openSecretIfExists, sealSecret, secretIds } from './secrets.ts';

type Ctx = { vault: Vault; clock: Clock; db: Kysely<Database> };
type Db = Kysely<Database> | Transaction<Database>;

/** Cached per database: the index key never changes once created (changing it would orphan every index). */
const indexers = new WeakMap<object, Promise<BlindIndexer>>();

/**
 * The blind indexer, its key created on first use inside the caller's transaction. Two nodes racing
 * to create it: the insert is ON CONFLICT DO NOTHING and both then read the one that won.
 */
export function blindIndexer(ctx: Ctx, db: Db): Promise<BlindIndexer> {
  let p = indexers.get(ctx.db);
  if (!p) {
    p = loadOrCreateIndexer(ctx, db);
    p.catch(() => indexers.delete(ctx.db));
    indexers.set(ctx.db, p);
  }
  return p;
}

async function loadOrCreateIndexer(ctx: Ctx, db: Db): Promise<BlindIndexer> {
  const id = secretIds.blindIndexKey;
  if (!(await findVaultSecret(db, id))) {
    const key = randomBytes(32);
    const sealed = await ctx.vault.seal(id, key, { version: 1 });
    key.fill(0);
    await db
      .insertInto('vault_secrets')
      .values({ id, version: 1, kek_id: sealed.kekId, envelope: JSON.stringify(sealed), created_at: new Date(ctx.clock.now()), updated_at: new Date(ctx.clock.now()) })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }
  const row = await findVaultSecret(db, id);
  const key = await ctx.vault.open(id, parseSealedSecret(row!.envelope));
  try {
    return new BlindIndexer(key);
  } finally {
    key.reveal().fill(0);
  }
}

export function personalDataSecretId(kind: PersonalDataKind, ownerType: string, ownerId: string): string {
  return `pii:${kind}:${ownerType}:${ownerId}`;
}

/**
 * Stores one personal datum: the normalised value sealed in `vault_secrets`, and returns what the
 * owning row keeps instead of it — a blind index for equality lookups and a mask for display.
 */
export async function protectPersonalData(
  ctx: Ctx,
  trx: Transaction<Database>,
  kind: PersonalDataKind,
  owner: { type: string; id: string },
  value: string,
): Promise<{ index: string; masked: string }> {
  const n = normalise(kind, value);
  await sealSecret(ctx, trx, personalDataSecretId(kind, owner.type, owner.id), n);
  const indexer = await blindIndexer(ctx, trx);
  return { index: indexer.indexNormalised(kind, n), masked: mask(kind, n) };
}

/** The index to search for a value (same normalisation as at write time). */
export async function personalDataIndex(ctx: Ctx, kind: PersonalDataKind, value: string): Promise<string> {
  return (await blindIndexer(ctx, ctx.db)).index(kind, value);
}

/** Reads the plaintext back. Callers record the read in the audit log (`pii.revealed`). */
export async function revealPersonalData(ctx: Ctx, kind: PersonalDataKind, owner: { type: string; id: string }, db?: Db): Promise<Secret<string> | undefined> {
  return openSecretIfExists(ctx, personalDataSecretId(kind, owner.type, owner.id), db);
}
