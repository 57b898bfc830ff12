import { useState, type FormEvent } from 'react';
import { paths } from '../api/endpoints.ts';
import type { Payment } from '../api/types.ts';
import { usePagedList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { LoadStates } from '../components/page-state.tsx';
import { Pager } from '../components/pager.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { formatFen } from '../lib/money.ts';
import { Link } from '../lib/router.tsx';

const STATUSES = ['created', 'pending', 'succeeded', 'closed', 'failed', 'partially_refunded', 'refunded'] as const;

interface Filters {
  q: string;
  status: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { q: '', status: '', from: '', to: '' };

/** Dates are whole days in the operator's time zone; the API takes an ISO instant range [gte, lt). */
function searchQuery(f: Filters, cursor: string | null) {
  const day = (d: string, plus = 0) => {
    const x = new Date(`${d}T00:00:00`);
    x.setDate(x.getDate() + plus);
    return x.toISOString();
  };
  return {
    q: f.q.trim(),
    status: f.status,
    created_gte: f.from ? day(f.from) : undefined,
    created_lt: f.to ? day(f.to, 1) : undefined,
    starting_after: cursor,
    limit: 50,
  };
}

/** Search and filters, the list, cursor paging. */
export function PaymentsPage() {
  const { t, formatTime } = useI18n();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const list = usePagedList<Payment>((cursor) => paths.payments(searchQuery(filters, cursor)));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    list.first();
    setFilters(draft);
  };
  const columns: Column<Payment>[] = [
    { header: t('pay.id'), cell: (p) => <Link to={`/payments/${encodeURIComponent(p.id)}`}>{p.id}</Link> },
    { header: t('pay.outTradeNo'), cell: (p) => p.out_trade_no },
    { header: t('pay.amount'), cell: (p) => formatFen(p.amount), className: 'num', headerClassName: 'num' },
    { header: t('common.status'), cell: (p) => <StatusBadge status={p.status} /> },
    { header: t('common.created'), cell: (p) => formatTime(p.created_at) },
  ];
  return (
    <section aria-labelledby="pay-h">
      <h1 id="pay-h">{t('pay.title')}</h1>
      <form className="filters" role="search" onSubmit={submit}>
        <label>
          {t('common.search')}
          <input type="search" name="q" placeholder={t('pay.search')} value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />
        </label>
        <label>
          {t('common.status')}
          <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
            <option value="">{t('common.all')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`pay.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('common.from')}
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          {t('common.to')}
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <button type="submit" className="primary">
          {t('common.search')}
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
            list.first();
          }}
        >
          {t('common.reset')}
        </button>
      </form>
      <LoadStates state={list} data={list.items} />
      {list.items && (
        <>
          <DataTable columns={columns} rows={list.items} rowKey={(p) => p.id} empty={t('common.none')} testId="payments-table" />
          <Pager list={list} />
        </>
      )}
    </section>
  );
}
