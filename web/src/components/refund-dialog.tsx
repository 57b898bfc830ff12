import { useState } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { formatFen, parseYuanToFen } from '../lib/money.ts';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { Field } from './field.tsx';

/**
 * Two steps: enter the amount (validated against what is left to refund), then confirm the exact sum.
 * The server checks the amount again (reservation arithmetic); this only avoids obvious mistakes.
 */
export function RefundDialog({ open, paymentId, maxFen, busy, onRefund, onCancel }: { open: boolean; paymentId: string; maxFen: number; busy: boolean; onRefund(fen: number, reason: string): void; onCancel(): void }) {
  const { t } = useI18n();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [confirming, setConfirming] = useState(false);
  const fen = parseYuanToFen(amount);
  const valid = fen !== null && fen >= 1 && fen <= maxFen;
  const close = () => {
    setConfirming(false);
    onCancel();
  };
  if (confirming && valid)
    return (
      <ConfirmDialog open={open} title={t('pay.refundTitle', { id: paymentId })} danger busy={busy} confirmLabel={t('pay.refund')} onCancel={close} onConfirm={() => onRefund(fen, reason.trim())}>
        <p>{t('pay.refundConfirm', { amount: formatFen(fen) })}</p>
      </ConfirmDialog>
    );
  return (
    <ConfirmDialog open={open} title={t('pay.refundTitle', { id: paymentId })} confirmLabel={t('common.confirm')} onCancel={close} onConfirm={() => valid && setConfirming(true)}>
      <Field label={t('pay.refundAmount')} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} aria-invalid={amount !== '' && !valid} />
      {amount !== '' && !valid && (
        <p className="inline-error" role="alert">
          {t('pay.refundInvalid', { max: formatFen(maxFen) })}
        </p>
      )}
      <Field label={t('pay.refundReason')} maxLength={80} value={reason} onChange={(e) => setReason(e.target.value)} />
    </ConfirmDialog>
  );
}
