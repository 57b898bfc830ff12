import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { Delivery } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { Pager } from '../components/pager.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Webhook deliveries, newest first, with redelivery. */
export function MerchantDeliveries({ merchantId }: { merchantId: string }) {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useApi<unknown>(paths.deliveries(merchantId, { cursor, limit: 20 }));
  const page = list.data === undefined ? undefined : asPage<Delivery>(list.data);
  const redeliver = useAction(actions.redeliver);
  const [done, setDone] = useState<string>();
  return (
    <section aria-labelledby="dl-h" className="card">
      <h2 id="dl-h">{t('mer.deliveries')}</h2>
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      <ActionResult error={redeliver.error} success={done} />
      {page && (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="deliveries">
              <thead>
                <tr>
                  <th scope="col">{t('mer.event')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col" className="num">
                    {t('mer.attempts')}
                  </th>
                  <th scope="col">{t('common.created')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.length === 0 && (
                  <tr>
                    <td colSpan={5} className="muted">
                      {t('common.none')}
                    </td>
                  </tr>
                )}
                {page.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      {d.type} <code>{d.id}</code>
                    </td>
                    <td>
                      {d.last_status ? <StatusBadge status={d.last_status} prefix="delivery." /> : '—'}
                    </td>
                    <td className="num">{d.attempts ?? '—'}</td>
                    <td>{formatTime(d.created_at)}</td>
                    <td>
                      <button
                        type="button"
                        disabled={!can('webhooks.manage') || redeliver.busy}
                        onClick={async () => {
                          setDone(undefined);
                          if (await redeliver.run(merchantId, d.id)) {
                            setDone(t('mer.redelivered'));
                            list.reload();
                          }
                        }}
                      >
                        {t('mer.redeliver')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager cursor={cursor} nextCursor={page.next_cursor} onFirst={() => setCursor(null)} onNext={setCursor} />
        </>
      )}
    </section>
  );
}
