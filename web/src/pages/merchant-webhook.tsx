import { useEffect, useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { WebhookEndpoint } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The webhook endpoint URL and the signing-secret rotation (new secret shown once). */
export function MerchantWebhook({ merchantId }: { merchantId: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const ep = useApi<WebhookEndpoint | { endpoint: WebhookEndpoint }>(paths.webhookEndpoint(merchantId));
  const endpoint = ep.data ? ('endpoint' in ep.data ? ep.data.endpoint : ep.data) : undefined;
  const [url, setUrl] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [saved, setSaved] = useState<string>();
  const save = useAction(actions.saveWebhookEndpoint);
  const rotate = useAction(actions.rotateWebhookSecret);
  useEffect(() => setUrl(endpoint?.url ?? ''), [endpoint?.url]);
  const secret = rotate.result ? (rotate.result.secret ?? rotate.result.webhook_secret) : undefined;
  const allowed = can('webhooks.manage');
  return (
    <section aria-labelledby="wh-h" className="card">
      <h2 id="wh-h">{t('mer.webhook')}</h2>
      {ep.error && ep.error.status !== 404 && <ErrorState error={ep.error} retry={ep.reload} />}
      <form
        className="inline-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setSaved(undefined);
          if (await save.run(merchantId, url.trim())) {
            setSaved(t('common.done'));
            ep.reload();
          }
        }}
      >
        <label className="grow">
          {t('mer.webhookUrl')}
          <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
        </label>
        <button type="submit" disabled={!allowed || save.busy}>
          {t('mer.webhookSave')}
        </button>
      </form>
      <button type="button" className="danger" disabled={!allowed || rotate.busy} onClick={() => setConfirm(true)} data-testid="rotate-secret">
        {t('mer.rotate')}
      </button>
      <ActionResult error={save.error ?? rotate.error} success={saved} />
      {secret && <SecretOnce label={t('mer.rotated')} value={secret} />}
      <ConfirmDialog
        open={confirm}
        title={t('mer.rotate')}
        danger
        busy={rotate.busy}
        onCancel={() => setConfirm(false)}
        onConfirm={async () => {
          await rotate.run(merchantId);
          setConfirm(false);
          ep.reload();
        }}
      >
        <p>{t('mer.rotateConfirm')}</p>
      </ConfirmDialog>
    </section>
  );
}
