import { paths } from '../api/endpoints.ts';
import type { Merchant } from '../api/types.ts';
import { useList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { LoadStates } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { Link } from '../lib/router.tsx';

export function MerchantsPage() {
  const { t } = useI18n();
  const list = useList<Merchant>(paths.merchants());
  const columns: Column<Merchant>[] = [
    { header: t('mer.name'), cell: (m) => <Link to={`/merchants/${encodeURIComponent(m.id)}`}>{m.name}</Link> },
    { header: 'ID', cell: (m) => <code>{m.id}</code> },
    { header: t('mer.mchid'), cell: (m) => m.mchid ?? '—' },
  ];
  return (
    <section aria-labelledby="mer-h">
      <h1 id="mer-h">{t('mer.title')}</h1>
      <LoadStates state={list} data={list.items} />
      {list.items && <DataTable columns={columns} rows={list.items} rowKey={(m) => m.id} />}
    </section>
  );
}
