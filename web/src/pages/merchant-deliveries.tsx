import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Delivery } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { usePagedList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { Pager } from '../components/pager.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Webhook deliveries, newest first, with redelivery. */
export function MerchantDeliveries({ merchantId }: { merchantId: string }) {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = usePagedList<Delivery>((cursor) => paths.deliveries(merchantId, { cursor, limit: 20 }));
  const redeliver = useAction(actions.redeliver);
  const [done, setDone] = useState<string>();
  const columns: Column<Delivery>[] = [
    {
      header: t('mer.event'),
      cell: (d) => (
        <>
          {d.type} <code>{d.id}</code>
        </>
      ),
    },
    { header: t('common.status'), cell: (d) => (d.last_status ? <StatusBadge status={d.last_status} prefix="delivery." /> : '—') },
    { header: t('mer.attempts'), cell: (d) => d.attempts ?? '—', className: 'num', headerClassName: 'num' },
    { header: t('common.created'), cell: (d) => formatTime(d.created_at) },
    {
      header: t('common.actions'),
      cell: (d) => (
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
      ),
    },
  ];
  return (
    <section aria-labelledby="dl-h" className="card">
      <h2 id="dl-h">{t('mer.deliveries')}</h2>
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      <ActionResult error={redeliver.error} success={done} />
      {list.items && (
        <>
          <DataTable columns={columns} rows={list.items} rowKey={(d) => d.id} empty={t('common.none')} testId="deliveries" />
          <Pager list={list} />
        </>
      )}
    </section>
  );
}
