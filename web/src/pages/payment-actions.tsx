import { useState } from 'react';
import { actions } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Payment } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult } from '../components/page-state.tsx';
import { RefundDialog } from '../components/refund-dialog.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

type Open = 'close' | 'refund' | null;

/** Query now, close (confirmed), refund (amount then confirmation). Buttons follow the operator's role. */
export function PaymentActions({ payment, changed }: { payment: Payment; changed(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [open, setOpen] = useState<Open>(null);
  const [done, setDone] = useState<string>();
  const query = useAction(actions.queryPayment);
  const close = useAction(actions.closePayment);
  const refund = useAction(actions.refundPayment);
  const refundable = payment.amount - (payment.refunded_amount ?? 0);
  const canAct = can('payments.act');
  const error = query.error ?? close.error ?? refund.error;

  const after = (message: string) => {
    setOpen(null);
    setDone(message);
    changed();
  };
  return (
    <div className="actions">
      <div className="button-row">
        <button
          type="button"
          disabled={!canAct || query.busy}
          onClick={async () => {
            setDone(undefined);
            const r = (await query.run(payment.id)) as { status?: string; payment?: { status?: string } } | undefined;
            if (r) after(t('pay.queried', { status: r.payment?.status ?? r.status ?? '—' }));
          }}
        >
          {t('pay.query')}
        </button>
        {['created', 'pending'].includes(payment.status) && (
          <button type="button" disabled={!canAct} onClick={() => setOpen('close')}>
            {t('pay.close')}
          </button>
        )}
        {refundable > 0 && ['succeeded', 'partially_refunded'].includes(payment.status) && (
          <button type="button" className="danger" disabled={!can('refunds.create')} onClick={() => setOpen('refund')}>
            {t('pay.refund')}
          </button>
        )}
      </div>
      <ActionResult error={error} success={done} />
      <ConfirmDialog
        open={open === 'close'}
        title={t('pay.close')}
        danger
        busy={close.busy}
        onCancel={() => setOpen(null)}
        onConfirm={async () => {
          if (await close.run(payment.id)) after(t('pay.closed'));
          else setOpen(null);
        }}
      >
        <p>{t('pay.closeConfirm', { id: payment.id })}</p>
      </ConfirmDialog>
      {open === 'refund' && (
        <RefundDialog
          open
          paymentId={payment.id}
          maxFen={refundable}
          busy={refund.busy}
          onCancel={() => setOpen(null)}
          onRefund={async (fen, reason) => {
            if (await refund.run(payment.id, fen, reason)) after(t('pay.refundDone'));
            else setOpen(null);
          }}
        />
      )}
    </div>
  );
}
