import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { listAuditPage, readAuditHead, type AuditLogRow } from '../db/audit-log.ts';
import { auditContent } from './append.ts';
import { verifyChain, type ChainVerification, type ChainedEntry } from './chain.ts';

export type AuditVerification = ChainVerification & { anchor: string; purged: number };

function toChained(row: AuditLogRow): ChainedEntry {
  return { id: String(row.id), prevHash: row.prev_hash, hash: row.hash, content: auditContent(row) };
}

async function* streamEntries(db: Kysely<Database>, pageSize: number): AsyncIterable<ChainedEntry> {
  let after: number | null = null;
  for (;;) {
    const page = await listAuditPage(db, after, pageSize);
    if (page.length === 0) return;
    for (const row of page) yield toChained(row);
    after = page[page.length - 1]!.id;
  }
}

/**
 * Walks the stored chain from the retention anchor (genesis until a purge) and checks it ends at
 * the recorded head, so a deleted tail is caught as well as an edited entry. `expectedHead` is a head
 * exported earlier and anchored elsewhere: the chain must still pass through it (entries appended
 * since are fine), which also catches a tail deleted together with a rewritten head row. An anchor
 * older than the retention cutoff is purged with its entries; anchor heads newer than that.
 */
export async function verifyAuditLog(db: Kysely<Database>, opts: { expectedHead?: string; pageSize?: number } = {}): Promise<AuditVerification> {
  const head = await readAuditHead(db);
  const r = await verifyChain(streamEntries(db, opts.pageSize ?? 500), {
    startHash: head.anchor_hash,
    expectedHead: head.head_hash,
    ...(opts.expectedHead ? { anchoredHead: opts.expectedHead } : {}),
  });
  return { ...r, anchor: head.anchor_hash, purged: Number(head.purged_count) };
}

/** The current head, for anchoring elsewhere (`anfu audit head`). */
export async function exportAuditHead(db: Kysely<Database>): Promise<{ head: string; headId: number | null; anchor: string; purged: number }> {
  const h = await readAuditHead(db);
  return { head: h.head_hash, headId: h.head_id, anchor: h.anchor_hash, purged: Number(h.purged_count) };
}
