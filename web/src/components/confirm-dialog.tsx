import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';

interface Props {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel?: string;
  busy?: boolean;
  danger?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/**
 * A modal confirmation on the native <dialog>: focus is trapped and Escape cancels, as browsers do for
 * showModal(); the confirm button is not focused first, so Enter cannot confirm by accident.
 */
export function ConfirmDialog({ open, title, children, confirmLabel, busy, danger, onConfirm, onCancel }: Props) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      className="dialog"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="dialog-actions">
        <button type="button" autoFocus onClick={onCancel} disabled={busy}>
          {t('common.cancel')}
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm} disabled={busy} data-testid="confirm">
          {confirmLabel ?? t('common.confirm')}
        </button>
      </div>
    </dialog>
  );
}

/**
 * The confirmation of an action on one item (a row's "revoke", "reset 2FA", a review's decision): open
 * while `target` is set; confirming runs `onConfirm(target)`, then closes whatever the answer (the action
 * reports its own error). Cancelling only closes.
 */
export function ConfirmActionDialog<T>({
  target,
  onConfirm,
  onClose,
  children,
  ...dialog
}: Omit<Props, 'open' | 'onConfirm' | 'onCancel' | 'children'> & { target: T | null; onConfirm(target: T): Promise<unknown>; onClose(): void; children(target: T): ReactNode }) {
  return (
    <ConfirmDialog
      {...dialog}
      open={target !== null}
      onCancel={onClose}
      onConfirm={async () => {
        if (target !== null) await onConfirm(target);
        onClose();
      }}
    >
      {target !== null && children(target)}
    </ConfirmDialog>
  );
}
