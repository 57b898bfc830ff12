import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import { safeEqual } from '../../lib/secret.ts';
import { newId, randomAlnum } from '../../lib/ids.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Merchant, MerchantMode } from '../../domain/merchant.ts';
import type { Database } from '../../db/schema.ts';
import * as repo from '../../db/merchant-api-keys.ts';
import { findMerchantById } from '../../db/merchants.ts';
import { toMerchant } from './merchants.ts';
import { appendAudit, type AuditInput } from '../../audit/append.ts';

/**
 * Merchant API keys: `sk_test_…` (sandbox) / `sk_live_…` (live), then a 12-character lookup id (not
 * secret: it finds the row) and a 32-character base62 secret (≈190 bits). The token is shown once; the
 * database keeps its SHA-256, compared in constant time. A fast hash is right here: the secret is random
 * and high-entropy, so there is nothing for a slow password hash to protect against.
 */
const LOOKUP_LEN = 12;
const SECRET_LEN = 32;
const TOKEN_RE = /^sk_(test|live)_([A-Za-z0-9]{12})([A-Za-z0-9]{32})$/;
/** last_used_at is advisory; writing it on every request would add a write to the hot path. */
const TOUCH_INTERVAL_MS = 60_000;

export interface ApiKeyDeps {
  db: Kysely<Database>;
  clock: Clock;
}

export interface ApiKeyInfo {
  id: string;
  merchantId: string;
  mode: MerchantMode;
  /** Printable hint: `sk_test_AbCdEfGhIjKl…wxyz`. */
  hint: string;
  label: string | null;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function prefixOf(mode: MerchantMode): string {
  return mode === 'live' ? 'sk_live_' : 'sk_test_';
}

function toInfo(r: repo.ApiKeyRow): ApiKeyInfo {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    mode: r.mode,
    hint: `${prefixOf(r.mode)}${r.lookup_id}…${r.last4}`,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/** Creates a key in the merchant's mode. The returned `token` is the only time the secret exists in clear. */
export async function createApiKey(deps: ApiKeyDeps, merchantId: string, label?: string, actor: AuditInput['actor'] = { type: 'system', id: 'anfu' }): Promise<{ token: string; key: ApiKeyInfo }> {
  if (label !== undefined && (label.length === 0 || label.length > 64)) {
    throw new AppError('invalid_input', 'invalid_label', 'a key label has 1 to 64 characters');
  }
  const merchant = await findMerchantById(deps.db, merchantId);
  if (!merchant) throw new AppError('not_found', 'merchant_not_found', `no merchant ${merchantId}`);
  const lookupId = randomAlnum(LOOKUP_LEN);
  const secret = randomAlnum(SECRET_LEN);
  const token = `${prefixOf(merchant.mode)}${lookupId}${secret}`;
  const row = await deps.db.transaction().execute(async (trx) => {
    const r = await repo.insertApiKey(trx, {
      id: newId('key'),
      merchant_id: merchantId,
      mode: merchant.mode,
      lookup_id: lookupId,
      secret_sha256: sha256Hex(token),
      last4: secret.slice(-4),
      label: label ?? null,
      created_at: new Date(deps.clock.now()),
    });
    await appendAudit(deps, trx, { actor, action: 'api_key.created', target: { type: 'api_key', id: r.id }, merchantId, outcome: 'success', data: { last4: r.last4, label: r.label } });
    return r;
  });
  return { token, key: toInfo(row) };
}

export async function listApiKeys(deps: Pick<ApiKeyDeps, 'db'>, merchantId: string): Promise<ApiKeyInfo[]> {
  return (await repo.listApiKeys(deps.db, merchantId)).map(toInfo);
}

export async function revokeApiKey(deps: ApiKeyDeps, merchantId: string, keyId: string, actor: AuditInput['actor'] = { type: 'system', id: 'anfu' }): Promise<void> {
  // Forgotten before and after the commit: a lookup that raced the revocation cannot keep it alive.
  invalidateApiKeyCache(deps.db);
  await deps.db.transaction().execute(async (trx) => {
    const ok = await repo.revokeApiKey(trx, merchantId, keyId, new Date(deps.clock.now()));
    if (!ok) throw new AppError('not_found', 'api_key_not_found', `no active key ${keyId} for merchant ${merchantId}`);
    await appendAudit(deps, trx, { actor, action: 'api_key.revoked', target: { type: 'api_key', id: keyId }, merchantId, outcome: 'success' });
  });
  invalidateApiKeyCache(deps.db);
}

/** A fixed digest to compare against when no row matched, so a miss costs the same as a wrong secret. */
const DUMMY_DIGEST = sha256Hex('sk_test_no-such-key');

/**
 * How long an authenticated key's row (its digest, mode and merchant) is reused without asking the
 * database again. Every request still hashes the presented token and compares it with the stored
 * digest in constant time; only the lookup is cached. A revocation on this process (API, console)
 * drops the cache at once; one made elsewhere (the CLI, another node) takes effect within this bound.
 * A disabled merchant or a changed H5 domain list is seen within the same bound.
 */
export const API_KEY_CACHE_TTL_MS = 1_000;

interface KnownKey {
  key: repo.ApiKeyRow;
  merchant: Merchant;
  disabled: boolean;
}

interface CacheEntry {
  found: Promise<KnownKey | null>;
  expiresAt: number;
}

/** One cache per database handle (tests run several apps in one process). */
class ApiKeyCache {
  readonly entries = new Map<string, CacheEntry>();
  generation = 0;
}
const caches = new WeakMap<object, ApiKeyCache>();

function cacheOf(db: object): ApiKeyCache {
  let c = caches.get(db);
  if (!c) {
    c = new ApiKeyCache();
    caches.set(db, c);
  }
  return c;
}

/** Forgets every cached key of this database handle (revocations; tests). */
export function invalidateApiKeyCache(db: object): void {
  const c = caches.get(db);
  if (!c) return;
  c.generation++;
  c.entries.clear();
}

function load(deps: ApiKeyDeps, lookupId: string): Promise<KnownKey | null> {
  return repo.findActiveKeyByLookupId(deps.db, lookupId).then((r) => (r ? { key: r.key, merchant: toMerchant(r.merchant), disabled: r.merchant.disabled_at !== null } : null));
}

async function lookup(deps: ApiKeyDeps, lookupId: string): Promise<KnownKey | null> {
  const cache = cacheOf(deps.db);
  const now = deps.clock.now();
  const hit = cache.entries.get(lookupId);
  if (hit && hit.expiresAt > now) return hit.found;
  const generation = cache.generation;
  const found = load(deps, lookupId);
  // Concurrent requests share one lookup. Only an active key is kept: misses are not cached (a key
  // created a moment ago works at once), nor an answer loaded across a revocation.
  const entry: CacheEntry = { found, expiresAt: now + API_KEY_CACHE_TTL_MS };
  cache.entries.set(lookupId, entry);
  const drop = (): void => {
    if (cache.entries.get(lookupId) === entry) cache.entries.delete(lookupId);
  };
  found.then((k) => (k === null || generation !== cache.generation ? drop() : undefined), drop);
  const k = await found;
  // A revocation committed while this lookup ran may be missing from its answer: read again.
  return generation === cache.generation ? k : load(deps, lookupId);
}

/**
 * The merchant a bearer token belongs to, or null for anything else: malformed, unknown, revoked,
 * wrong secret, prefix not matching the key's mode, or a disabled merchant. Callers answer all of these
 * with the same 401 so a probe learns nothing.
 */
export async function authenticateApiKey(deps: ApiKeyDeps, token: string): Promise<{ merchant: Merchant; keyId: string } | null> {
  const m = TOKEN_RE.exec(token);
  if (!m) return null;
  const [, kind, lookupId] = m as unknown as [string, 'test' | 'live', string];
  const found = await lookup(deps, lookupId);
  const digest = sha256Hex(token);
  if (!found) {
    safeEqual(digest, DUMMY_DIGEST);
    return null;
  }
  const secretOk = safeEqual(digest, found.key.secret_sha256);
  const modeOk = (kind === 'live') === (found.key.mode === 'live');
  if (!secretOk || !modeOk || found.disabled) return null;
  const now = deps.clock.now();
  const last = found.key.last_used_at?.getTime() ?? 0;
  if (now - last >= TOUCH_INTERVAL_MS) {
    // Recorded on the shared cached row too, so the cache does not touch it again within the interval.
    found.key.last_used_at = new Date(now);
    await repo.touchApiKey(deps.db, found.key.id, new Date(now));
  }
  return { merchant: found.merchant, keyId: found.key.id };
}
