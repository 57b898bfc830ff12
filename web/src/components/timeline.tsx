import { timelineItems } from '../api/timeline.ts';
import type { TimelineEntry } from '../api/types.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Oldest first: WeChat calls, notifications, risk decisions, webhooks, refunds and status changes. */
export function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const { t, formatTime } = useI18n();
  const items = timelineItems(entries);
  if (items.length === 0) return <p className="muted">{t('pay.timeline.empty')}</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {items.map((e, i) => (
        <li key={`${e.at}-${i}`} className={`tl tl-${e.category}`} data-kind={e.category}>
          <div className="tl-head">
            <span className="tl-kind">{t(`pay.kind.${e.category}`)}</span>
            <time dateTime={e.at}>{formatTime(e.at)}</time>
          </div>
          <div className="tl-title">
            <code>{e.kind}</code>
          </div>
          {e.summary && <div className="tl-summary">{e.summary}</div>}
        </li>
      ))}
    </ol>
  );
}
