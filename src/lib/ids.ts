import { randomFillSync } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * CSPRNG bytes drawn in batches (as Node's own `randomUUID` does): one `randomFillSync` of 4 KiB serves
 * about a hundred ids instead of one call per id. Each byte is handed out once, then the batch refills.
 */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function nextRandomByte(): number {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  return POOL[poolOffset++]!;
}

/** A random alphanumeric string from the CSPRNG (rejection sampling keeps it unbiased). */
export function randomAlnum(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = nextRandomByte();
    if (b < 248) out += ALNUM[b % 62];
  }
  return out;
}

/** A prefixed id such as `pay_3kT9…` (128 bits of randomness). */
export function newId(prefix: string): string {
  return `${prefix}_${randomAlnum(22)}`;
}
