import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../lib/errors.ts';
import { Secret } from '../lib/secret.ts';
import type { KmsProvider, WrappedKey } from './kms-provider.ts';
import { sealedSecretAad, type SealedSecret } from './sealed-secret.ts';

const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SECRET_ID = /^[A-Za-z0-9_.:/-]{1,200}$/;
/** Secrets are keys, seeds and small fields; documents belong in object storage with their own keys. */
export const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * Envelope encryption: every seal draws a fresh 256-bit data key and a random 96-bit IV, so an IV
 * never repeats under one key (ASVS 11.3.4); the data key is wrapped by the current KEK provider.
 * Older providers stay registered for reading until a master rotation has re-wrapped their records.
 */
export class Vault {
  #current: KmsProvider;
  readonly #providers = new Map<string, KmsProvider>();

  constructor(opts: { provider: KmsProvider; previous?: readonly KmsProvider[] }) {
    this.#current = opts.provider;
    for (const p of opts.previous ?? []) this.#providers.set(p.kekId, p);
    this.#providers.set(opts.provider.kekId, opts.provider);
  }

  get currentProvider(): KmsProvider {
    return this.#current;
  }

  /** Registers `provider` and makes it the one new seals use; older ones still unwrap. */
  useProvider(provider: KmsProvider): void {
    this.#providers.set(provider.kekId, provider);
    this.#current = provider;
  }

  providerFor(kekId: string): KmsProvider {
    const p = this.#providers.get(kekId);
    if (!p) throw new AppError('unavailable', 'kek_unknown', 'no key-encryption key with this id is configured', { kekId });
    return p;
  }

  async seal(secretId: string, plaintext: Buffer | string, opts: { version?: number } = {}): Promise<SealedSecret> {
    assertSecretId(secretId);
    const version = opts.version ?? 1;
    if (!Number.isInteger(version) || version < 1 || version > 2 ** 31 - 1) {
      throw new AppError('invalid_input', 'secret_version_invalid', 'secret version must be a positive integer');
    }
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    if (data.length > MAX_SECRET_BYTES) throw new AppError('invalid_input', 'secret_too_large', `a sealed secret may hold at most ${MAX_SECRET_BYTES} bytes`);
    const dataKey = randomBytes(DATA_KEY_BYTES);
    try {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(sealedSecretAad(secretId, version));
      const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
      const tag = cipher.getAuthTag();
      const wrapped = await this.#current.wrap(dataKey);
      return {
        format: 1,
        version,
        alg: 'A256GCM',
        kekId: wrapped.kekId,
        wrappedKey: wrapped.wrapped,
        iv: iv.toString('base64'),
        ciphertext: ciphertext.toString('base64'),
        tag: tag.toString('base64'),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  /** Opens a sealed secret; any change to any field, or a record moved to another id, fails closed. */
  async open(secretId: string, sealed: SealedSecret): Promise<Secret<Buffer>> {
    assertSecretId(secretId);
    const dataKey = await this.providerFor(sealed.kekId).unwrap({ kekId: sealed.kekId, wrapped: sealed.wrappedKey });
    try {
      if (dataKey.length !== DATA_KEY_BYTES) throw openFailed(secretId);
      const iv = Buffer.from(sealed.iv, 'base64');
      const tag = Buffer.from(sealed.tag, 'base64');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw openFailed(secretId);
      const decipher = createDecipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(sealedSecretAad(secretId, sealed.version));
      decipher.setAuthTag(tag);
      try {
        return new Secret(Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]));
      } catch {
        throw openFailed(secretId);
      }
    } finally {
      dataKey.fill(0);
    }
  }

  async openString(secretId: string, sealed: SealedSecret): Promise<Secret<string>> {
    const buf = (await this.open(secretId, sealed)).reveal();
    const text = buf.toString('utf8');
    buf.fill(0);
    return new Secret(text);
  }

  /**
   * Moves one wrapped data key to the current provider: Vault transit re-wraps in place when the
   * record already belongs to it; otherwise the old provider unwraps and the current one wraps.
   * The data itself is never decrypted.
   */
  async rewrapKey(w: WrappedKey): Promise<WrappedKey> {
    if (w.kekId === this.#current.kekId) return this.#current.rewrap(w);
    const dataKey = await this.providerFor(w.kekId).unwrap(w);
    try {
      return await this.#current.wrap(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }
}

function assertSecretId(secretId: string): void {
  if (!SECRET_ID.test(secretId)) {
    throw new AppError('invalid_input', 'secret_id_invalid', 'secret id must be 1–200 of [A-Za-z0-9_.:/-]');
  }
}

function openFailed(secretId: string): AppError {
  return new AppError('internal', 'secret_open_failed', 'a sealed secret failed authentication (tampered, moved, or wrong key)', { secretId });
}
