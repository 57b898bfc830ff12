import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { ApiKey } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** API keys: the new key is shown once (the server keeps only its hash); revoke after confirmation. */
export function MerchantApiKeys({ merchantId }: { merchantId: string }) {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useApi<unknown>(paths.apiKeys(merchantId));
  const keys = list.data === undefined ? [] : asPage<ApiKey>(list.data).items;
  const [label, setLabel] = useState('');
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const create = useAction(actions.createApiKey);
  const revoke = useAction(actions.revokeApiKey);
  const created = create.result ? (create.result.token ?? create.result.key) : undefined;
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
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('mer.keyPrefix')}</th>
              <th scope="col">{t('mer.keyLabel')}</th>
              <th scope="col">{t('common.created')}</th>
              <th scope="col">{t('mer.keyLastUsed')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.hint ?? k.id}</code>
                </td>
                <td>{k.label ?? ''}</td>
                <td>{formatTime(k.created_at ?? k.createdAt)}</td>
                <td>{formatTime(k.last_used_at ?? k.lastUsedAt)}</td>
                <td>
                  {(k.revoked_at ?? k.revokedAt) ? (
                    t('mer.keyRevoked')
                  ) : (
                    <button type="button" className="danger" disabled={!can('api_keys.manage')} onClick={() => setRevoking(k)}>
                      {t('mer.keyRevoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ConfirmDialog
        open={revoking !== null}
        title={t('mer.keyRevoke')}
        danger
        busy={revoke.busy}
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          if (revoking) await revoke.run(merchantId, revoking.id);
          setRevoking(null);
          list.reload();
        }}
      >
        <p>{t('mer.keyRevokeConfirm', { prefix: revoking?.hint ?? revoking?.id ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}
