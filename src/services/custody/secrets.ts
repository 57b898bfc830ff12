import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { deleteVaultSecret, findVaultSecret, lockVaultSecretVersion, upsertVaultSecret } from '../../db/vault-secrets.ts';
import { AppError } from '../../lib/errors.ts';
import { Secret } from '../../lib/secret.ts';
import { parseSealedSecret } from '../../vault/sealed-secret.ts';
import type { Vault } from '../../vault/vault.ts';
import type { ServiceContext } from '../context.ts';

type Db = Kysely<Database> | Transaction<Database>;
export type CustodyContext = Pick<ServiceContext, 'vault' | 'clock'> & { db: Kysely<Database> };

/**
 * Sealed secrets in the database (`vault_secrets`): the only place Anfu keeps a secret. Ids name
 * owner and purpose (`merchant:mer_x:apiv3_key`, `operator:op_x:totp`), and the id and version are
 * bound into the ciphertext, so a row copied to another id, or an old version put back, fails to open.
 *
 * Sealing wraps a fresh data key with the KEK. With the local KEK that is CPU only; with Vault
 * transit it is one bounded HTTP call (the provider's timeout) made inside the caller's transaction,
 * which is the documented exception to "no transaction spans a network call" (docs/security.md):
 * the row lock taken here must cover the version the data is sealed under.
 */
export async function sealSecret(ctx: { vault: Vault; clock: ServiceContext['clock'] }, trx: Transaction<Database>, id: string, plaintext: string | Buffer): Promise<{ version: number }> {
  const current = await lockVaultSecretVersion(trx, id);
  const sealed = await ctx.vault.seal(id, plaintext, { version: (current ?? 0) + 1 });
  await upsertVaultSecret(trx, id, sealed, new Date(ctx.clock.now()));
  return { version: sealed.version };
}

/** Opens a secret; `not_found`/`secret_missing` when absent. Pass `db` to read inside a transaction. */
export async function openSecret(ctx: { vault: Vault; db: Kysely<Database> }, id: string, db?: Db): Promise<Secret<string>> {
  const s = await openSecretIfExists(ctx, id, db);
  if (!s) throw new AppError('not_found', 'secret_missing', 'the requested secret does not exist', { secretId: id });
  return s;
}

export async function openSecretIfExists(ctx: { vault: Vault; db: Kysely<Database> }, id: string, db?: Db): Promise<Secret<string> | undefined> {
  const row = await findVaultSecret(db ?? ctx.db, id);
  if (!row) return undefined;
  const sealed = parseSealedSecret(row.envelope);
  if (sealed.version !== row.version) throw new AppError('internal', 'sealed_secret_malformed', 'a stored sealed secret is malformed', { secretId: id });
  return ctx.vault.openString(id, sealed);
}

/** Opens a binary secret (keys stored as raw bytes, e.g. the blind-index key). */
export async function openSecretBytes(ctx: { vault: Vault; db: Kysely<Database> }, id: string, db?: Db): Promise<Secret<Buffer> | undefined> {
  const row = await findVaultSecret(db ?? ctx.db, id);
  if (!row) return undefined;
  return ctx.vault.open(id, parseSealedSecret(row.envelope));
}

/** Destroys a secret (retired keys, expired previous webhook secrets). True when one existed. */
export async function destroySecret(trx: Transaction<Database>, id: string): Promise<boolean> {
  return deleteVaultSecret(trx, id);
}

/** Moves a secret to another id (staged → active) by re-sealing: ids are bound into the ciphertext. */
export async function moveSecret(ctx: { vault: Vault; clock: ServiceContext['clock']; db: Kysely<Database> }, trx: Transaction<Database>, from: string, to: string): Promise<void> {
  const value = await openSecret(ctx, from, trx);
  await sealSecret(ctx, trx, to, value.reveal());
  await deleteVaultSecret(trx, from);
}

/** Well-known secret ids, in one place so the hygiene test and the docs list the same set. */
export const secretIds = {
  merchantPrivateKey: (merchantId: string) => `merchant:${merchantId}:private_key`,
  merchantPrivateKeyStaged: (merchantId: string) => `merchant:${merchantId}:private_key_staged`,
  merchantPrivateKeyRetired: (merchantId: string) => `merchant:${merchantId}:private_key_retired`,
  apiv3Key: (merchantId: string) => `merchant:${merchantId}:apiv3_key`,
  apiv3KeyPrevious: (merchantId: string) => `merchant:${merchantId}:apiv3_key_previous`,
  webhookSecretCurrent: (merchantId: string) => `merchant:${merchantId}:webhook_secret_current`,
  webhookSecretPrevious: (merchantId: string) => `merchant:${merchantId}:webhook_secret_previous`,
  remoteSignerToken: (merchantId: string) => `merchant:${merchantId}:remote_signer_token`,
  operatorTotp: (operatorId: string) => `operator:${operatorId}:totp`,
  blindIndexKey: 'system:blind_index_key',
} as const;
