import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { AppError } from '../lib/errors.ts';
import type { KmsProvider, WrappedKey } from './kms-provider.ts';

const KEK_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_LABEL = 'anfu-kek-wrap-v1';

/**
 * A KEK held in process memory: read once from `ANFU_MASTER_KEY_FILE`, or generated for the sandbox.
 * Wrapping is AES-256-GCM with a random IV; the AAD names the KEK so a blob wrapped by one KEK can
 * never be mistaken for another's.
 */
export class LocalKek implements KmsProvider {
  readonly kekId: string;
  readonly development: boolean;
  readonly versioned = false;
  readonly #key: Buffer;

  constructor(key: Buffer, opts: { development?: boolean } = {}) {
    if (key.length !== KEK_BYTES) {
      throw new AppError('invalid_input', 'master_key_wrong_length', `the master key must be exactly ${KEK_BYTES} bytes`);
    }
    this.#key = Buffer.from(key);
    this.development = opts.development === true;
    // The id is a fingerprint, not the key: a different file yields a different id, so records
    // wrapped by an old KEK are recognised after a rotation.
    const fingerprint = createHash('sha256').update('anfu-kek-id-v1').update(this.#key).digest('hex').slice(0, 16);
    this.kekId = `${this.development ? 'dev' : 'local'}:${fingerprint}`;
  }

  keyVersion(): string {
    return 'v1';
  }

  async wrap(dataKey: Buffer): Promise<WrappedKey> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(this.#aad());
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { kekId: this.kekId, wrapped: Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64') };
  }

  async unwrap(w: WrappedKey): Promise<Buffer> {
    if (w.kekId !== this.kekId) throw new AppError('internal', 'kek_mismatch', 'the data key was wrapped by another key-encryption key');
    const blob = Buffer.from(w.wrapped, 'base64');
    if (blob.length < IV_BYTES + TAG_BYTES + 1) throw unwrapFailed();
    const decipher = createDecipheriv('aes-256-gcm', this.#key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(this.#aad());
    decipher.setAuthTag(blob.subarray(blob.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES, blob.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw unwrapFailed();
    }
  }

  /** A local KEK has one version: rewrapping under it means a fresh IV, nothing more. */
  async rewrap(w: WrappedKey): Promise<WrappedKey> {
    const dataKey = await this.unwrap(w);
    try {
      return await this.wrap(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  #aad(): Buffer {
    return Buffer.from(`${WRAP_LABEL}\0${this.kekId}`, 'utf8');
  }

  toString(): string {
    return `LocalKek(${this.kekId})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function unwrapFailed(): AppError {
  return new AppError('internal', 'kek_unwrap_failed', 'the wrapped data key failed authentication (tampered, or wrapped by another key)');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses the content of a master-key file: 32 random bytes in Base64, surrounding whitespace allowed.
 * Errors never echo the content.
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new AppError('invalid_input', 'master_key_empty', 'the master key file is empty');
  if (!BASE64.test(trimmed) || trimmed.length % 4 !== 0) {
    throw new AppError('invalid_input', 'master_key_malformed', 'the master key file must hold 32 random bytes in Base64 (e.g. `openssl rand -base64 32`)');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEK_BYTES) {
    key.fill(0);
    throw new AppError('invalid_input', 'master_key_wrong_length', `the master key must decode to exactly ${KEK_BYTES} bytes`, { bytes: key.length });
  }
  return key;
}

/**
 * Reads `ANFU_MASTER_KEY_FILE` once at start-up. The path is passed in: env is read by config only.
 * With `requirePrivate` (live mode), a file that group or others may read is refused, as ssh does
 * for private keys: the KEK is the one secret that unlocks all others.
 */
export function loadMasterKeyFile(path: string, opts: { development?: boolean; requirePrivate?: boolean } = {}): LocalKek {
  let text: string;
  try {
    if (opts.requirePrivate && process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
      throw new AppError('invalid_input', 'master_key_file_permissions', 'the master key file must be readable by its owner only (chmod 600)', { path });
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('invalid_input', 'master_key_file_missing', 'the master key file does not exist', { path });
    throw new AppError('invalid_input', 'master_key_file_unreadable', 'the master key file cannot be read', { path, errno: code });
  }
  const key = parseMasterKey(text);
  try {
    return new LocalKek(key, { development: opts.development === true });
  } finally {
    key.fill(0);
  }
}

/** The sandbox's KEK: random, held in memory, and marked so live mode refuses it. */
export function generateDevelopmentKek(): LocalKek {
  const key = randomBytes(KEK_BYTES);
  try {
    return new LocalKek(key, { development: true });
  } finally {
    key.fill(0);
  }
}

/** Generates the content of a new master-key file (what `openssl rand -base64 32` prints). */
export function generateMasterKeyFileContent(): string {
  return `${randomBytes(KEK_BYTES).toString('base64')}\n`;
}
