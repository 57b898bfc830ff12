import { useI18n } from '../i18n/i18n-context.tsx';
import { formatDuration } from '../lib/duration.ts';

/** Time left until a review's due time, or how long it is overdue (styled as a warning). */
export function SlaCountdown({ dueAt, now }: { dueAt: string; now: number }) {
  const { t } = useI18n();
  const left = Date.parse(dueAt) - now;
  if (Number.isNaN(left)) return null;
  return (
    <span className={left < 0 ? 'badge badge-bad' : 'badge badge-warn'}>
      <time dateTime={dueAt}>{left < 0 ? t('rev.overdue', { time: formatDuration(left) }) : t('rev.due', { time: formatDuration(left) })}</time>
    </span>
  );
}
