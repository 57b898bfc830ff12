import { z } from 'zod';
import { AppError } from '../lib/errors.ts';

/**
 * The stored form of one secret: everything needed to open it except the KEK. Serialisable as JSON
 * (one column) and safe to log as a whole only in the sense that it reveals nothing without the KEK;
 * we still keep it out of logs.
 */
export interface SealedSecret {
  /** Record format; bumps if the layout or AAD changes. */
  format: 1;
  /** The secret's own version (1, 2, … on each replacement); bound into the AAD. */
  version: number;
  alg: 'A256GCM';
  kekId: string;
  /** The data key, wrapped by the KEK named `kekId`. */
  wrappedKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Base64 expected').max(1_000_000);

export const sealedSecretSchema = z
  .object({
    format: z.literal(1),
    version: z.number().int().min(1).max(2 ** 31 - 1),
    alg: z.literal('A256GCM'),
    kekId: z.string().min(1).max(200),
    wrappedKey: z.string().min(1).max(4096),
    iv: b64.length(16),
    ciphertext: b64,
    tag: b64.length(24),
  })
  .strict();

/** Validates a record read from storage; a malformed one is corruption, not user error. */
export function parseSealedSecret(value: unknown): SealedSecret {
  const r = sealedSecretSchema.safeParse(typeof value === 'string' ? safeJson(value) : value);
  if (!r.success) throw new AppError('internal', 'sealed_secret_malformed', 'a stored sealed secret is malformed', { issues: r.error.issues.map((i) => i.path.join('.')) });
  return r.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Associated data binding a ciphertext to its secret id and version: a record copied onto another
 * id, or an old version replayed as the current one, fails authentication. Length-prefixed so no
 * two (id, version) pairs share an encoding.
 */
export function sealedSecretAad(secretId: string, version: number): Buffer {
  const id = Buffer.from(secretId, 'utf8');
  const head = Buffer.alloc(4 + 4);
  head.writeUInt32BE(id.length, 0);
  head.writeUInt32BE(version, 4);
  return Buffer.concat([Buffer.from('anfu-vault-v1\0', 'utf8'), head, id]);
}
