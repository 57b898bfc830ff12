import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Alert } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { ActionResult, LoadStates } from '../components/page-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Monitor alerts: acknowledge, then resolve. */
export function AlertsPage() {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useList<Alert>(paths.alerts({}));
  const ack = useAction(actions.ackAlert);
  const resolve = useAction(actions.resolveAlert);
  const allowed = can('alerts.manage');
  const columns: Column<Alert>[] = [
    { header: t('alert.severity'), cell: (a) => a.severity },
    { header: t('alert.title'), cell: (a) => a.title },
    { header: t('common.status'), cell: (a) => <StatusBadge status={a.status} prefix="alert.state." /> },
    { header: t('common.created'), cell: (a) => formatTime(a.last_seen_at ?? a.first_seen_at) },
    {
      header: t('common.actions'),
      className: 'button-row',
      cell: (a) => (
        <>
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
        </>
      ),
    },
  ];
  return (
    <section aria-labelledby="al-h">
      <h1 id="al-h">{t('alert.title')}</h1>
      <ActionResult error={ack.error ?? resolve.error} />
      <LoadStates state={list} data={list.items} empty={t('alert.empty')} />
      {list.items && list.items.length > 0 && <DataTable columns={columns} rows={list.items} rowKey={(a) => a.id} />}
    </section>
  );
}
