import { paths } from '../api/endpoints.ts';
import type { Merchant } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { LoadStates } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link } from '../lib/router.tsx';
import { MerchantApiKeys } from './merchant-api-keys.tsx';
import { MerchantDeliveries } from './merchant-deliveries.tsx';
import { MerchantDomains } from './merchant-domains.tsx';
import { MerchantWebhook } from './merchant-webhook.tsx';

/** Configuration and H5 domains, API keys, webhook endpoint and secret, delivery log. */
export function MerchantDetailPage({ id }: { id: string }) {
  const { t } = useI18n();
  const detail = useApi<Merchant | { merchant: Merchant }>(paths.merchant(id));
  const { data, reload } = detail;
  const m = data ? ('merchant' in data ? (data.merchant as Merchant) : data) : undefined;
  return (
    <section aria-labelledby="md-h">
      <p>
        <Link to="/merchants">← {t('mer.back')}</Link>
      </p>
      <h1 id="md-h">{m?.name ?? id}</h1>
      <LoadStates state={detail} data={data} />
      {m && (
        <>
          <h2>{t('mer.config')}</h2>
          <dl className="facts">
            <dt>ID</dt>
            <dd>
              <code>{m.id}</code>
            </dd>
            <dt>{t('mer.mchid')}</dt>
            <dd>{m.mchid ?? '—'}</dd>
            <dt>{t('mer.appid')}</dt>
            <dd>{m.appid ?? '—'}</dd>
          </dl>
          <MerchantDomains merchantId={m.id} domains={m.h5_domains ?? []} changed={reload} />
          <MerchantApiKeys merchantId={m.id} />
          <MerchantWebhook merchantId={m.id} />
          <MerchantDeliveries merchantId={m.id} />
        </>
      )}
    </section>
  );
}
