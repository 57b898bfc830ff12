import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { Alert } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ActionResult, ErrorState, Loading } from '../components/page-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Monitor alerts: acknowledge, then resolve. */
export function AlertsPage() {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useApi<unknown>(paths.alerts({}));
  const items = list.data === undefined ? undefined : asPage<Alert>(list.data).items;
  const ack = useAction(actions.ackAlert);
  const resolve = useAction(actions.resolveAlert);
  const allowed = can('alerts.manage');
  return (
    <section aria-labelledby="al-h">
      <h1 id="al-h">{t('alert.title')}</h1>
      <ActionResult error={ack.error ?? resolve.error} />
      {list.loading && !items && <Loading />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {items && items.length === 0 && <p className="muted">{t('alert.empty')}</p>}
      {items && items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('alert.severity')}</th>
                <th scope="col">{t('alert.title')}</th>
                <th scope="col">{t('common.status')}</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((a) => (
                <tr key={a.id}>
                  <td>{a.severity}</td>
                  <td>{a.title}</td>
                  <td>
                    <StatusBadge status={a.status} prefix="alert.state." />
                  </td>
                  <td>{formatTime(a.last_seen_at ?? a.first_seen_at)}</td>
                  <td className="button-row">
                    {a.status === 'open' && (
                      <button type="button" disabled={!allowed} onClick={async () => (await ack.run(a.id)) !== undefined && list.reload()}>
                        {t('alert.ack')}
                      </button>
                    )}
                    {a.status !== 'resolved' && (
                      <button type="button" disabled={!allowed} onClick={async () => (await resolve.run(a.id)) !== undefined && list.reload()}>
                        {t('alert.resolve')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
