import { useI18n } from '../i18n/i18n-context.tsx';
import type { MessageKey } from '../i18n/en.ts';
import { en } from '../i18n/en.ts';

const TONE: Record<string, string> = {
  paid: 'ok',
  succeeded: 'ok',
  success: 'ok',
  delivered: 'ok',
  active: 'ok',
  resolved: 'ok',
  approved: 'ok',
  closed: 'neutral',
  refunded: 'neutral',
  partially_refunded: 'neutral',
  acknowledged: 'neutral',
  failed: 'bad',
  rejected: 'bad',
  abandoned: 'bad',
  revoked: 'bad',
  expired: 'bad',
  open: 'warn',
  held: 'warn',
  review: 'warn',
  pending: 'warn',
  created: 'info',
};

/** A status word in a pill; colour is never the only signal (the word is always shown). */
export function StatusBadge({ status, prefix = 'pay.status.' }: { status: string; prefix?: string }) {
  const { t } = useI18n();
  const key = `${prefix}${status}`;
  const label = key in en ? t(key as MessageKey) : status;
  return <span className={`badge badge-${TONE[status] ?? 'info'}`}>{label}</span>;
}
