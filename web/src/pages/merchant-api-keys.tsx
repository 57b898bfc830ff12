import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { ApiKey } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useList } from '../api/use-list.ts';
import { ConfirmActionDialog } from '../components/confirm-dialog.tsx';
import { DataTable, type Column } from '../components/data-table.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** API keys: the new key is shown once (the server keeps only its hash); revoke after confirmation. */
export function MerchantApiKeys({ merchantId }: { merchantId: string }) {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useList<ApiKey>(paths.apiKeys(merchantId));
  const [label, setLabel] = useState('');
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const create = useAction(actions.createApiKey);
  const revoke = useAction(actions.revokeApiKey);
  const created = create.result ? (create.result.token ?? create.result.key) : undefined;
  const columns: Column<ApiKey>[] = [
    { header: t('mer.keyPrefix'), cell: (k) => <code>{k.hint ?? k.id}</code> },
    { header: t('mer.keyLabel'), cell: (k) => k.label ?? '' },
    { header: t('common.created'), cell: (k) => formatTime(k.created_at ?? k.createdAt) },
    { header: t('mer.keyLastUsed'), cell: (k) => formatTime(k.last_used_at ?? k.lastUsedAt) },
    {
      header: t('common.actions'),
      cell: (k) =>
        (k.revoked_at ?? k.revokedAt) ? (
          t('mer.keyRevoked')
        ) : (
          <button type="button" className="danger" disabled={!can('api_keys.manage')} onClick={() => setRevoking(k)}>
            {t('mer.keyRevoke')}
          </button>
        ),
    },
  ];
  return (
    <section aria-labelledby="keys-h" className="card">
      <h2 id="keys-h">{t('mer.keys')}</h2>
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {created && <SecretOnce label={t('mer.keyShownOnce')} value={created} />}
      <ActionResult error={create.error ?? revoke.error} />
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await create.run(merchantId, label.trim())) {
            setLabel('');
            list.reload();
          }
        }}
      >
        <label>
          {t('mer.keyLabel')}
          <input value={label} maxLength={64} onChange={(e) => setLabel(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!can('api_keys.manage') || create.busy}>
          {t('mer.keyCreate')}
        </button>
      </form>
      <DataTable columns={columns} rows={list.items ?? []} rowKey={(k) => k.id} />
      <ConfirmActionDialog
        target={revoking}
        title={t('mer.keyRevoke')}
        danger
        busy={revoke.busy}
        onClose={() => setRevoking(null)}
        onConfirm={async (k) => {
          await revoke.run(merchantId, k.id);
          list.reload();
        }}
      >
        {(k) => <p>{t('mer.keyRevokeConfirm', { prefix: k.hint ?? k.id })}</p>}
      </ConfirmActionDialog>
    </section>
  );
}
