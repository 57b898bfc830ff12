import { createHash } from 'node:crypto';

/**
 * Hash chain of the audit log: entry hash = SHA-256(previous hash bytes ‖ canonical JSON of the
 * entry's content). Changing, removing, reordering or inserting any entry breaks every hash after it;
 * truncating the tail is only visible against an exported head (`expectedHead`), which is why the
 * head is exported for anchoring elsewhere.
 */

/** Hash before the first entry: SHA-256 of a fixed label, so an empty log has a well-known head. */
export const GENESIS_HASH = createHash('sha256').update('anfu-audit-genesis-v1').digest('hex');

const HASH = /^[0-9a-f]{64}$/;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, strings and numbers as
 * JSON.stringify writes them (ECMAScript's shortest round-trip form, as RFC 8785 requires). Values
 * JSON cannot represent faithfully (NaN, ±Infinity, undefined in arrays, bigint, functions, Dates and
 * other class instances) are refused rather than silently changed, so a hash always means one value.
 */
export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

function write(v: unknown, depth: number): string {
  if (depth > 64) throw new TypeError('canonical JSON: nesting too deep');
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return JSON.stringify(v);
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError('canonical JSON: non-finite number');
      return JSON.stringify(Object.is(v, -0) ? 0 : v);
    case 'object': {
      if (Array.isArray(v)) return `[${v.map((x) => write(x, depth + 1)).join(',')}]`;
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError('canonical JSON: only plain objects');
      const keys = Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k], depth + 1)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot encode ${typeof v}`);
  }
}

export function entryHash(prevHash: string, content: Record<string, unknown>): string {
  if (!HASH.test(prevHash)) throw new TypeError('previous hash must be 64 lower-case hex digits');
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonicalJson(content), 'utf8').digest('hex');
}

/** A stored entry: its content plus the two chain fields. */
export interface ChainedEntry {
  id: string;
  prevHash: string;
  hash: string;
  content: Record<string, unknown>;
}

/** Links new content after `prevHash` (the current head). The caller stores it in the same transaction as the change. */
export function chainEntry(prevHash: string, id: string, content: Record<string, unknown>): ChainedEntry {
  return { id, prevHash, hash: entryHash(prevHash, { ...content, id }), content };
}

export type ChainBreak = 'prev_hash_mismatch' | 'hash_mismatch' | 'malformed' | 'head_mismatch' | 'anchor_not_found';

export type ChainVerification =
  | { ok: true; head: string; count: number }
  | { ok: false; firstBrokenIndex: number; firstBrokenId: string | null; reason: ChainBreak };

/**
 * Walks entries in order (any iterable or async iterable, so a database cursor streams) and stops at
 * the first broken one. `expectedHead` is where the chain must end (the recorded head); `anchoredHead`
 * is a head exported earlier and kept elsewhere: the chain must pass through it (entries appended
 * since are fine), so a tail truncated and re-linked behind it is caught (`anchor_not_found`).
 * `startHash` lets a verification resume from a checkpoint.
 */
export async function verifyChain(
  entries: Iterable<ChainedEntry> | AsyncIterable<ChainedEntry>,
  opts: { startHash?: string; expectedHead?: string; anchoredHead?: string } = {},
): Promise<ChainVerification> {
  let prev = opts.startHash ?? GENESIS_HASH;
  let anchorSeen = opts.anchoredHead === undefined || opts.anchoredHead === prev;
  let index = 0;
  for await (const e of entries) {
    const id = typeof e?.id === 'string' ? e.id : null;
    if (!e || id === null || typeof e.hash !== 'string' || typeof e.prevHash !== 'string' || !isPlainObject(e.content)) {
      return { ok: false, firstBrokenIndex: index, firstBrokenId: id, reason: 'malformed' };
    }
    if (e.prevHash !== prev) return { ok: false, firstBrokenIndex: index, firstBrokenId: id, reason: 'prev_hash_mismatch' };
    let expected: string;
    try {
      expected = entryHash(prev, { ...e.content, id });
    } catch {
      return { ok: false, firstBrokenIndex: index, firstBrokenId: id, reason: 'malformed' };
    }
    if (e.hash !== expected) return { ok: false, firstBrokenIndex: index, firstBrokenId: id, reason: 'hash_mismatch' };
    prev = e.hash;
    if (prev === opts.anchoredHead) anchorSeen = true;
    index++;
  }
  if (opts.expectedHead !== undefined && opts.expectedHead !== prev) {
    return { ok: false, firstBrokenIndex: index, firstBrokenId: null, reason: 'head_mismatch' };
  }
  if (!anchorSeen) return { ok: false, firstBrokenIndex: index, firstBrokenId: null, reason: 'anchor_not_found' };
  return { ok: true, head: prev, count: index };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
