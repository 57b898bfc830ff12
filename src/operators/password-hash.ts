import { hash, parseOptions, verify, type Algorithm } from '@node-rs/argon2';
import { AppError } from '../lib/errors.ts';
import type { Secret } from '../lib/secret.ts';
import { normalisePassword } from './password-policy.ts';

/**
 * argon2id at OWASP's first recommended setting (m = 19 MiB, t = 2, p = 1): about 5–6 ms and 19 MiB
 * of a libuv thread per login, so per-IP rate limits bound the CPU an attacker can burn.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;
// `Algorithm` is an ambient const enum, which isolatedModules cannot read; 2 is Argon2id in it.
const ARGON2ID = 2 as Algorithm;

export async function hashPassword(password: Secret<string>): Promise<string> {
  return hash(normalisePassword(password.reveal()), { ...ARGON2_PARAMS, algorithm: ARGON2ID });
}

/**
 * Verifies in the library's constant-time comparison. A malformed stored hash is a server fault,
 * not a wrong password, so it throws rather than answering false.
 */
export async function verifyPassword(storedHash: string, password: Secret<string>): Promise<boolean> {
  if (!storedHash.startsWith('$argon2id$')) throw new AppError('internal', 'password_hash_malformed', 'stored password hash is not argon2id');
  try {
    return await verify(storedHash, normalisePassword(password.reveal()));
  } catch {
    throw new AppError('internal', 'password_hash_malformed', 'stored password hash cannot be parsed');
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * For an unknown account, spends the same argon2 work as a real check and answers false, so the
 * response time does not reveal which e-mail addresses have accounts.
 */
export async function verifyPasswordOrDummy(storedHash: string | null, password: Secret<string>): Promise<boolean> {
  if (storedHash !== null) return verifyPassword(storedHash, password);
  dummyHash ??= hash('anfu-dummy-password-for-timing', { ...ARGON2_PARAMS, algorithm: ARGON2ID });
  await verify(await dummyHash, normalisePassword(password.reveal()));
  return false;
}

/** True when a stored hash was made with weaker or other parameters: rehash after the next good login. */
export function needsRehash(storedHash: string): boolean {
  try {
    const p = parseOptions(storedHash);
    return (
      p.algorithm !== ARGON2ID ||
      p.memoryCost < ARGON2_PARAMS.memoryCost ||
      p.timeCost < ARGON2_PARAMS.timeCost ||
      p.outputLen < ARGON2_PARAMS.outputLen
    );
  } catch {
    return true;
  }
}
