import type { TimelineEntry } from './types.ts';

export type TimelineCategory = 'wechat_call' | 'notification' | 'risk_decision' | 'webhook' | 'refund' | 'status';

export interface TimelineItem {
  at: string;
  category: TimelineCategory;
  kind: string;
  summary: string;
}

const WECHAT_KINDS = new Set(['wechat_accepted', 'wechat_refused', 'h5_url_refreshed', 'closed', 'queried']);

/**
 * Sorts the admin API's timeline into what an operator looks for: calls to WeChat, WeChat's
 * notifications, risk decisions, webhooks to the merchant, refunds, other status changes.
 */
export function categorize(e: TimelineEntry): TimelineCategory {
  if (e.source === 'risk' || e.kind.startsWith('risk_')) return 'risk_decision';
  if (e.source === 'webhook' || e.source === 'webhook_delivery') return 'webhook';
  if (e.source === 'refund' || e.kind.startsWith('refund')) return 'refund';
  const via = e.data?.source;
  if (via === 'notification') return 'notification';
  if (via === 'query' || WECHAT_KINDS.has(e.kind)) return 'wechat_call';
  return 'status';
}

/** `{ a: 1, b: 'x', c: null }` → "a=1 · b=x": a short, flat line; nested values are left out. */
export function summarize(data: Record<string, unknown> | undefined): string {
  if (!data) return '';
  return Object.entries(data)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' · ');
}

export function timelineItems(entries: TimelineEntry[]): TimelineItem[] {
  return [...entries]
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((e) => ({ at: e.at, category: categorize(e), kind: e.kind, summary: summarize(e.data) }));
}

/** A stored risk decision (`GET /admin/api/risk/payments/:id/decisions`). */
export interface RiskDecision {
  created_at: string;
  phase: string;
  action: string;
  score: number;
  rule_set_version: number;
  fired?: { rule_id: string }[];
  shadow_fired?: { rule_id: string }[];
}

/** Risk decisions as timeline entries: phase and action, score, the rules that fired (shadow ones apart). */
export function decisionEntries(decisions: RiskDecision[]): TimelineEntry[] {
  return decisions.map((d) => ({
    at: d.created_at,
    source: 'risk',
    kind: `${d.phase}.${d.action}`,
    data: {
      score: d.score,
      rules: (d.fired ?? []).map((f) => f.rule_id).join(',') || null,
      shadow: (d.shadow_fired ?? []).map((f) => f.rule_id).join(',') || null,
      version: d.rule_set_version,
    },
  }));
}
