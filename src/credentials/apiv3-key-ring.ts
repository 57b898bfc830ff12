import { AppError } from '../lib/errors.ts';
import { openResource, sealResource, type ApiV3Key, type EncryptedResource } from '../wechatpay/aead.ts';
import { WechatPayDecryptError } from '../wechatpay/errors.ts';

/** How long the old APIv3 key still decrypts after a change: WeChat retries notifications for about a day. */
export const APIV3_GRACE_MS = 72 * 3600_000;

/**
 * The APIv3 keys of one merchant during a key change. WeChat switches to the new key the moment the
 * merchant saves it on the platform, but notifications already queued (and retried for up to ~24 h)
 * were encrypted with the old one, so both decrypt until `previousUntilMs`.
 */
export interface ApiV3KeyRing {
  current: ApiV3Key;
  previous: ApiV3Key | null;
  previousUntilMs: number | null;
}

export function singleKeyRing(key: ApiV3Key): ApiV3KeyRing {
  return { current: key, previous: null, previousUntilMs: null };
}

/** Starts a change: the new key becomes current, the old one stays for the grace window. */
export function changeApiV3Key(ring: ApiV3KeyRing, next: ApiV3Key, nowMs: number, graceMs = APIV3_GRACE_MS): ApiV3KeyRing {
  if (sameKey(ring.current, next)) {
    throw new AppError('conflict', 'credential_apiv3_key_unchanged', 'the new APIv3 key is the same as the current one');
  }
  return { current: next, previous: ring.current, previousUntilMs: nowMs + graceMs };
}

/** Keys that may decrypt at `nowMs`, current first. */
export function decryptionKeys(ring: ApiV3KeyRing, nowMs: number): ApiV3Key[] {
  const inGrace = ring.previous !== null && ring.previousUntilMs !== null && nowMs < ring.previousUntilMs;
  return inGrace ? [ring.current, ring.previous!] : [ring.current];
}

/** Drops the old key once its window has passed (the caller persists the result). */
export function expireGrace(ring: ApiV3KeyRing, nowMs: number): ApiV3KeyRing {
  return ring.previousUntilMs !== null && nowMs >= ring.previousUntilMs ? singleKeyRing(ring.current) : ring;
}

/**
 * Opens a resource with the current key, or with the previous one during the grace window. Only an
 * authentication failure moves on to the next key; any other problem (bad nonce, algorithm) is final.
 */
export function openResourceWithRing(ring: ApiV3KeyRing, resource: EncryptedResource, nowMs: number): { plaintext: Buffer; usedPrevious: boolean } {
  const keys = decryptionKeys(ring, nowMs);
  let last: unknown;
  for (const [i, key] of keys.entries()) {
    try {
      return { plaintext: openResource(key, resource), usedPrevious: i > 0 };
    } catch (e) {
      if (!(e instanceof WechatPayDecryptError) || e.reason !== 'auth_failed') throw e;
      last = e;
    }
  }
  throw last;
}

/** Compares two keys through the public AEAD API only (the raw bytes stay inside wechatpay/). */
function sameKey(a: ApiV3Key, b: ApiV3Key): boolean {
  const probe = sealResource(b, 'anfu-key-probe', { associatedData: 'anfu-key-probe' });
  try {
    openResource(a, probe);
    return true;
  } catch {
    return false;
  }
}
