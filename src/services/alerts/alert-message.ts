import type { AlertRow } from '../../db/alerts.ts';

/**
 * What a notification says, the same facts for every channel: the JSON body of the generic webhook,
 * the markdown of the WeCom robot and the text of the email. Built from the alert row only (its data
 * never holds secrets), so nothing else can leak into a message.
 */
export interface AlertPayload {
  id: string;
  key: string;
  source: string;
  severity: string;
  status: string;
  title: string;
  merchant_id: string | null;
  count: number;
  escalation_level: number;
  first_seen_at: string;
  last_seen_at: string;
  reason: string;
  data: Record<string, unknown>;
}

export function alertPayload(a: AlertRow, level: number, reason: string): AlertPayload {
  return {
    id: a.id,
    key: a.key,
    source: a.source,
    severity: a.severity,
    status: a.status,
    title: a.title,
    merchant_id: a.merchant_id,
    count: a.count,
    escalation_level: level,
    first_seen_at: a.first_seen_at.toISOString(),
    last_seen_at: a.last_seen_at.toISOString(),
    reason,
    data: a.data as Record<string, unknown>,
  };
}

const SEVERITY_ZH: Record<string, string> = { info: '提示', warning: '警告', critical: '严重' };
const SEVERITY_COLOUR: Record<string, string> = { info: 'comment', warning: 'warning', critical: 'warning' };

/** Keeps markdown control characters of operator-visible values from breaking the layout. */
function plain(v: unknown): string {
  return String(typeof v === 'object' ? JSON.stringify(v) : v).replace(/[<>`*_[\]]/g, ' ').slice(0, 200);
}

function facts(p: AlertPayload): [string, string][] {
  const rows: [string, string][] = [
    ['来源 source', p.source],
    ['商户 merchant', p.merchant_id ?? '—'],
    ['次数 count', String(p.count)],
    ['级别 level', String(p.escalation_level)],
    ['首次 first seen', p.first_seen_at],
    ['最近 last seen', p.last_seen_at],
  ];
  for (const [k, v] of Object.entries(p.data).slice(0, 12)) rows.push([k, plain(v)]);
  return rows;
}

/** WeCom markdown (企业微信机器人 markdown supports `<font color>`, bold and quotes); ≤ 4096 bytes. */
export function wecomMarkdown(p: AlertPayload): string {
  const head = `**<font color="${SEVERITY_COLOUR[p.severity] ?? 'comment'}">[${SEVERITY_ZH[p.severity] ?? p.severity}] ${plain(p.title)}</font>**`;
  const body = facts(p).map(([k, v]) => `> ${k}: ${v}`).join('\n');
  const text = `${head}\n${body}\n> alert: ${p.id}`;
  return Buffer.byteLength(text) > 4000 ? Buffer.from(text).subarray(0, 4000).toString('utf8') : text;
}

export function emailSubject(p: AlertPayload): string {
  const again = p.reason === 'escalated' ? ` (escalated, level ${p.escalation_level})` : p.reason === 'reminder' ? ' (reminder)' : '';
  return `[Anfu ${p.severity.toUpperCase()}] ${p.title}${again}`.replace(/[\r\n]+/g, ' ').slice(0, 250);
}

export function emailText(p: AlertPayload): string {
  return [`${p.title}`, '', ...facts(p).map(([k, v]) => `${k}: ${v}`), '', `alert id: ${p.id}`, `key: ${p.key}`].join('\n');
}
