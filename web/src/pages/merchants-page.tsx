import { paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import type { Merchant } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { ErrorState, Loading } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link } from '../lib/router.tsx';

export function MerchantsPage() {
  const { t } = useI18n();
  const { data, error, loading, reload } = useApi<unknown>(paths.merchants());
  const items = data === undefined ? undefined : asPage<Merchant>(data).items;
  return (
    <section aria-labelledby="mer-h">
      <h1 id="mer-h">{t('mer.title')}</h1>
      {loading && !items && <Loading />}
      {error && <ErrorState error={error} retry={reload} />}
      {items && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('mer.name')}</th>
                <th scope="col">ID</th>
                <th scope="col">{t('mer.mchid')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/merchants/${encodeURIComponent(m.id)}`}>{m.name}</Link>
                  </td>
                  <td>
                    <code>{m.id}</code>
                  </td>
                  <td>{m.mchid ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
