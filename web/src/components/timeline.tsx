import type { TimelineEntry } from '../api/types.ts';
import type { MessageKey } from '../i18n/en.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

const KINDS = new Set(['wechat_call', 'notification', 'risk_decision', 'webhook', 'status', 'refund']);

/** Oldest first: WeChat calls, notifications, risk decisions, webhooks and status changes in one list. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const { t, formatTime } = useI18n();
  if (entries.length === 0) return <p className="muted">{t('pay.timeline.empty')}</p>;
  const sorted = [...entries].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return (
    <ol className="timeline" data-testid="timeline">
      {sorted.map((e, i) => {
        const kind = KINDS.has(e.kind) ? e.kind : 'other';
        return (
          <li key={`${e.at}-${i}`} className={`tl tl-${kind}`} data-kind={e.kind}>
            <div className="tl-head">
              <span className="tl-kind">{t(`pay.kind.${kind}` as MessageKey)}</span>
              <time dateTime={e.at}>{formatTime(e.at)}</time>
            </div>
            <div className="tl-title">
              {e.title ?? e.kind}
              {e.outcome ? <span className="tl-outcome"> · {e.outcome}</span> : null}
            </div>
            {e.summary && <div className="tl-summary">{e.summary}</div>}
          </li>
        );
      })}
    </ol>
  );
}
