import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../lib/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Database } from '../../db/schema.ts';
import * as repo from '../../db/idempotency-keys.ts';

/**
 * The idempotency store behind `Idempotency-Key` (Stripe / IETF draft semantics), scoped per merchant
 * and endpoint:
 *  - first request → `new`: run it, then `completeIdempotent` with the response (errors included, as
 *    Stripe does), or `releaseIdempotent` if it failed before any side effect so a retry runs afresh;
 *  - same key, same body, finished → `replay` with the stored status and body;
 *  - same key, other body → `mismatch` (422); same key still running → `in_flight` (409).
 * A process that died mid-request leaves an in-flight lock; after `lockTimeoutMs` the next identical
 * request takes it over (`new` with `recovered: true`, plus the resource the first attempt recorded)
 * and must resume that resource rather than create another one.
 */
export const KEY_RETENTION_MS = 24 * 3600_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;
const KEY_RE = /^[\x21-\x7e]{1,255}$/;

export interface IdempotencyDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** How long keys are kept (default 24 h; never less). */
  retentionMs?: number;
  lockTimeoutMs?: number;
}

export type BeginResult =
  | { kind: 'new'; recovered: boolean; resourceId: string | null }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export interface IdempotencyRef {
  merchantId: string;
  endpoint: string;
  key: string;
}

/** SHA-256 of a canonical JSON form (object keys sorted), so key order in the request body does not matter. */
export function requestFingerprint(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body), 'utf8').digest('hex');
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
}

/** A published key format: printable ASCII, 1–255 characters (a UUID fits). */
export function assertIdempotencyKey(key: string): void {
  if (!KEY_RE.test(key)) {
    throw new AppError('invalid_input', 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 printable ASCII characters');
  }
}

export async function beginIdempotent(deps: IdempotencyDeps, ref: IdempotencyRef, fingerprint: string): Promise<BeginResult> {
  assertIdempotencyKey(ref.key);
  const retention = Math.max(deps.retentionMs ?? KEY_RETENTION_MS, KEY_RETENTION_MS);
  const lockTimeout = deps.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const nowMs = deps.clock.now();
  const now = new Date(nowMs);
  const expiresAt = new Date(nowMs + retention);

  // Two rounds at most: a row that expired (or was released) between our insert and our read is retried once.
  for (let round = 0; round < 2; round++) {
    if (await repo.insertInFlight(deps.db, ref, fingerprint, now, expiresAt)) return { kind: 'new', recovered: false, resourceId: null };
    const row = await repo.findKey(deps.db, ref);
    if (!row) continue; // released in between: try to claim again
    if (row.expires_at.getTime() <= nowMs) {
      if (await repo.reclaimExpired(deps.db, ref, fingerprint, now, expiresAt)) return { kind: 'new', recovered: false, resourceId: null };
      continue;
    }
    if (row.request_fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.state === 'completed') return { kind: 'replay', status: row.response_status ?? 500, body: row.response_body };
    const lockedAt = row.locked_at;
    if (lockedAt && lockedAt.getTime() <= nowMs - lockTimeout) {
      const taken = await repo.takeOverStaleLock(deps.db, ref, lockedAt, new Date(nowMs - lockTimeout + 1), now);
      if (taken) return { kind: 'new', recovered: true, resourceId: taken.resource_id };
    }
    return { kind: 'in_flight' };
  }
  return { kind: 'in_flight' };
}

/** Records the resource the request is creating, in the caller's flow, so a takeover can resume it. */
export async function recordIdempotentResource(deps: Pick<IdempotencyDeps, 'db'>, ref: IdempotencyRef, resourceId: string): Promise<void> {
  await repo.setResource(deps.db, ref, resourceId);
}

/** Stores the final response; false if the lock was lost (released, or taken over after a stall). */
export async function completeIdempotent(deps: Pick<IdempotencyDeps, 'db'>, ref: IdempotencyRef, status: number, body: unknown): Promise<boolean> {
  return repo.markCompleted(deps.db, ref, status, body);
}

/** Forgets an in-flight key whose request failed before any side effect, so a retry runs afresh. */
export async function releaseIdempotent(deps: Pick<IdempotencyDeps, 'db'>, ref: IdempotencyRef): Promise<boolean> {
  return repo.deleteInFlight(deps.db, ref);
}

/** Thrown inside a claim transaction when the key exists: the transaction rolls back, nothing is written. */
export class IdempotencyKeyTaken extends Error {
  constructor() {
    super('idempotency key already exists');
  }
}

/**
 * One request's hold on its key, for a handler that claims the key inside its own first transaction
 * (the order path: claim + risk decision + reservation commit together, one commit instead of two) and
 * stores the response inside its last one. The semantics are those of `beginIdempotent`: when the
 * fast claim finds the key taken, the caller runs `begin()` — replay, mismatch, in flight, or a
 * takeover that resumes `resumeId`.
 */
export class IdempotencySession {
  readonly ref: IdempotencyRef;
  readonly fingerprint: string;
  readonly #deps: IdempotencyDeps;
  #held = false;
  #completed = false;
  #resumeId: string | null = null;

  constructor(deps: IdempotencyDeps, ref: IdempotencyRef, fingerprint: string) {
    assertIdempotencyKey(ref.key);
    this.#deps = deps;
    this.ref = ref;
    this.fingerprint = fingerprint;
  }

  /** Whether this request holds the key (claimed and committed). */
  get held(): boolean {
    return this.#held;
  }

  /** Whether the response is stored. */
  get completed(): boolean {
    return this.#completed;
  }

  /** The resource a crashed first attempt reserved (after a takeover), to resume rather than re-create. */
  get resumeId(): string | null {
    return this.#resumeId;
  }

  #times(): { now: Date; expiresAt: Date } {
    const nowMs = this.#deps.clock.now();
    const retention = Math.max(this.#deps.retentionMs ?? KEY_RETENTION_MS, KEY_RETENTION_MS);
    return { now: new Date(nowMs), expiresAt: new Date(nowMs + retention) };
  }

  /**
   * Runs `fn` in one transaction that first claims the key (unless held already): the claim commits
   * with `fn`'s writes or not at all. Throws `IdempotencyKeyTaken` (nothing written) when the key exists.
   * On PostgreSQL a concurrent identical request waits on the unique index until this commits.
   */
  async inClaimTransaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    if (this.#held) return this.#deps.db.transaction().execute(fn);
    const { now, expiresAt } = this.#times();
    const out = await this.#deps.db.transaction().execute(async (trx) => {
      if (!(await repo.insertInFlight(trx, this.ref, this.fingerprint, now, expiresAt))) throw new IdempotencyKeyTaken();
      return fn(trx);
    });
    this.#held = true;
    return out;
  }

  /** The classic begin (after `IdempotencyKeyTaken`, or before any work). */
  async begin(): Promise<BeginResult> {
    const r = await beginIdempotent(this.#deps, this.ref, this.fingerprint);
    if (r.kind === 'new') {
      this.#held = true;
      this.#resumeId = r.resourceId;
    }
    return r;
  }

  /** Records that the response was stored by the caller's own statement (in its last transaction). */
  markCompleted(): void {
    this.#completed = true;
  }

  /** Stores the response (once); false if the lock was lost. */
  async complete(status: number, body: unknown): Promise<boolean> {
    if (this.#completed || !this.#held) return false;
    this.#completed = true;
    return completeIdempotent(this.#deps, this.ref, status, body);
  }

  /** Replaces the response stored by `markCompleted`'s statement (it turned out stale). */
  async replaceResponse(status: number, body: unknown): Promise<boolean> {
    return repo.replaceResponse(this.#deps.db, this.ref, status, body);
  }

  /** Forgets the key (failure with an unknown outcome) so an identical retry runs again. */
  async release(): Promise<boolean> {
    if (!this.#held || this.#completed) return false;
    this.#held = false;
    return releaseIdempotent(this.#deps, this.ref);
  }

  /**
   * A request refused before it claimed anything (invalid input): the key is stored completed with the
   * refusal in one statement. False when the key exists; the caller then runs `begin()`.
   */
  async storeRefusal(status: number, body: unknown): Promise<boolean> {
    if (this.#held) return this.complete(status, body);
    const { now, expiresAt } = this.#times();
    const ok = await repo.insertCompleted(this.#deps.db, this.ref, this.fingerprint, status, body, now, expiresAt);
    if (ok) {
      this.#held = true;
      this.#completed = true;
    }
    return ok;
  }
}

/** Deletes keys past their retention, in batches; returns how many went. */
export async function purgeExpiredIdempotencyKeys(deps: IdempotencyDeps, batchSize = 1000): Promise<number> {
  const now = new Date(deps.clock.now());
  let total = 0;
  for (;;) {
    const n = await repo.deleteExpired(deps.db, now, batchSize);
    total += n;
    if (n < batchSize) return total;
  }
}
