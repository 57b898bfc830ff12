import { useState, type FormEvent } from 'react';
import { paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import type { Payment } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { Pager } from '../components/pager.tsx';
import { ErrorState, Loading } from '../components/page-state.tsx';
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
  const [cursor, setCursor] = useState<string | null>(null);
  const { data, error, loading, reload } = useApi<unknown>(paths.payments(searchQuery(filters, cursor)));
  const page = data === undefined ? undefined : asPage<Payment>(data);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCursor(null);
    setFilters(draft);
  };
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
            setCursor(null);
          }}
        >
          {t('common.reset')}
        </button>
      </form>
      {loading && !page && <Loading />}
      {error && <ErrorState error={error} retry={reload} />}
      {page && (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="payments-table">
              <thead>
                <tr>
                  <th scope="col">{t('pay.id')}</th>
                  <th scope="col">{t('pay.outTradeNo')}</th>
                  <th scope="col" className="num">
                    {t('pay.amount')}
                  </th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('common.created')}</th>
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
                {page.items.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/payments/${encodeURIComponent(p.id)}`}>{p.id}</Link>
                    </td>
                    <td>{p.out_trade_no}</td>
                    <td className="num">{formatFen(p.amount)}</td>
                    <td>
                      <StatusBadge status={p.status} />
                    </td>
                    <td>{formatTime(p.created_at)}</td>
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
