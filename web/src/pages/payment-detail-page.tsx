import { paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { decisionEntries, type RiskDecision } from '../api/timeline.ts';
import type { Payment, PaymentDetail } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { LoadStates } from '../components/page-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { Timeline } from '../components/timeline.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { formatFen } from '../lib/money.ts';
import { Link } from '../lib/router.tsx';
import { PaymentActions } from './payment-actions.tsx';

/** The payment, its actions and its timeline. Accepts `{ payment, timeline }` or a payment with `timeline`. */
export function PaymentDetailPage({ id }: { id: string }) {
  const { t, formatTime } = useI18n();
  const detail = useApi<PaymentDetail | (Payment & { timeline?: PaymentDetail['timeline'] })>(paths.payment(id));
  const { data, reload } = detail;
  const payment = data ? ('payment' in data ? data.payment : data) : undefined;
  // Risk decisions live beside the payment; a refusal (no permission) just leaves them out.
  const decisions = useApi<unknown>(payment ? paths.decisions(payment.id, payment.merchant_id) : null);
  const timeline = [...(data?.timeline ?? []), ...decisionEntries(decisions.data === undefined ? [] : asPage<RiskDecision>(decisions.data).items)];
  return (
    <section aria-labelledby="pd-h">
      <p>
        <Link to="/payments">← {t('pay.back')}</Link>
      </p>
      <h1 id="pd-h">{t('pay.detail', { id })}</h1>
      <LoadStates state={detail} data={data} />
      {payment && (
        <>
          <dl className="facts">
            <dt>{t('common.status')}</dt>
            <dd data-testid="payment-status">
              <StatusBadge status={payment.status} />
            </dd>
            <dt>{t('pay.amount')}</dt>
            <dd>{formatFen(payment.amount)}</dd>
            {payment.refunded_amount ? (
              <>
                <dt>{t('pay.refunded')}</dt>
                <dd>{formatFen(payment.refunded_amount)}</dd>
              </>
            ) : null}
            <dt>{t('pay.outTradeNo')}</dt>
            <dd>{payment.out_trade_no}</dd>
            <dt>{t('pay.merchant')}</dt>
            <dd>{payment.merchant_id}</dd>
            <dt>{t('pay.transactionId')}</dt>
            <dd>{payment.transaction_id ?? '—'}</dd>
            <dt>{t('pay.description')}</dt>
            <dd>{payment.description ?? '—'}</dd>
            <dt>{t('common.created')}</dt>
            <dd>{formatTime(payment.created_at)}</dd>
          </dl>
          <PaymentActions payment={payment} changed={reload} />
          <h2>{t('pay.timeline')}</h2>
          <Timeline entries={timeline} />
        </>
      )}
    </section>
  );
}
