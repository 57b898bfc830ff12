import { createCipheriv, createDecipheriv } from 'node:crypto';
import { WechatPayDecryptError, WechatPayKeyError } from './errors.ts';
import { randomAlnum } from '../lib/ids.ts';

export const AEAD_ALGORITHM = 'AEAD_AES_256_GCM';
const TAG_BYTES = 16;

/**
 * The APIv3 key: 32 characters used as 32 raw UTF-8 bytes (spec §3.2). The Go SDK's test vectors
 * use a 16-byte key (silently AES-128-GCM); that is accepted only with `allowInsecure16ByteKeyForTests`.
 */
export class ApiV3Key {
  readonly #key: Buffer;

  private constructor(key: Buffer) {
    this.#key = key;
  }

  static from(key: string | Buffer, opts: { allowInsecure16ByteKeyForTests?: boolean } = {}): ApiV3Key {
    const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
    if (bytes.length === 32) return new ApiV3Key(bytes);
    if (bytes.length === 16 && opts.allowInsecure16ByteKeyForTests) return new ApiV3Key(bytes);
    throw new WechatPayKeyError(`the APIv3 key must be exactly 32 bytes (got ${bytes.length})`);
  }

  /** Generates a fresh 32-character key (for the simulator's sandbox merchant). */
  static generateString(): string {
    return randomAlnum(32);
  }

  get cipherName(): 'aes-256-gcm' | 'aes-128-gcm' {
    return this.#key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  }

  /** @internal for this folder's seal/open only. */
  bytes(): Buffer {
    return this.#key;
  }

  toString(): string {
    return '[REDACTED]';
  }

  toJSON(): string {
    return '[REDACTED]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'ApiV3Key([REDACTED])';
  }
}

/** An encrypted `resource` block of a notification or certificate download. */
export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  associated_data?: string | undefined;
  nonce: string;
  original_type?: string | undefined;
}

/** Opens a resource block: IV = nonce string bytes, AAD = associated_data bytes, last 16 bytes = tag. */
export function openResource(key: ApiV3Key, resource: EncryptedResource): Buffer {
  if (resource.algorithm !== AEAD_ALGORITHM) {
    throw new WechatPayDecryptError('unsupported_algorithm', `unsupported resource algorithm ${JSON.stringify(String(resource.algorithm).slice(0, 32))}`);
  }
  const iv = Buffer.from(resource.nonce ?? '', 'utf8');
  if (iv.length !== 12) throw new WechatPayDecryptError('bad_nonce', 'resource nonce must be 12 bytes');
  const data = Buffer.from(resource.ciphertext ?? '', 'base64');
  if (data.length < TAG_BYTES) throw new WechatPayDecryptError('bad_ciphertext', 'ciphertext shorter than the GCM tag');
  const decipher = createDecipheriv(key.cipherName, key.bytes(), iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  try {
    return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]);
  } catch {
    // Wrong APIv3 key is the usual cause (spec §11).
    throw new WechatPayDecryptError('auth_failed', 'GCM authentication failed (wrong APIv3 key, AAD or nonce, or tampered ciphertext)');
  }
}

export function openResourceText(key: ApiV3Key, resource: EncryptedResource): string {
  return openResource(key, resource).toString('utf8');
}

/** Seals plaintext the way WeChat does; `nonce` is 12 alphanumerics unless given. */
export function sealResource(
  key: ApiV3Key,
  plaintext: string | Buffer,
  opts: { associatedData: string; nonce?: string; originalType?: string },
): EncryptedResource {
  const nonce = opts.nonce ?? randomAlnum(12);
  const iv = Buffer.from(nonce, 'utf8');
  if (iv.length !== 12) throw new WechatPayDecryptError('bad_nonce', 'resource nonce must be 12 bytes');
  const cipher = createCipheriv(key.cipherName, key.bytes(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(opts.associatedData, 'utf8'));
  const ct = Buffer.concat([cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext), cipher.final(), cipher.getAuthTag()]);
  const out: EncryptedResource = {
    algorithm: AEAD_ALGORITHM,
    ciphertext: ct.toString('base64'),
    associated_data: opts.associatedData,
    nonce,
  };
  if (opts.originalType !== undefined) out.original_type = opts.originalType;
  return out;
}

