import { useState, type FormEvent } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { AuditEntry } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { usePagedList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { ActionResult, LoadStates } from '../components/page-state.tsx';
import { Pager } from '../components/pager.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

interface Filters {
  actor: string;
  action: string;
}

/** The audit log with filters and a chain verification run on the server. */
export function AuditPage() {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const [draft, setDraft] = useState<Filters>({ actor: '', action: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const list = usePagedList<AuditEntry>((cursor) => paths.audit({ ...filters, cursor, limit: 50 }));
  const verify = useAction(actions.verifyAudit);
  const v = verify.result;
  const verdict = v ? (v.ok ? t('audit.verifyOk', { count: v.count ?? v.checked ?? 0 }) : t('audit.verifyBad', { seq: v.first_bad_seq ?? v.broken_at ?? '?' })) : undefined;
  const columns: Column<AuditEntry>[] = [
    { header: '#', cell: (a) => a.seq, className: 'num' },
    { header: t('audit.at'), cell: (a) => formatTime(a.at) },
    { header: t('audit.actor'), cell: (a) => a.actor },
    { header: t('audit.action'), cell: (a) => <code>{a.action}</code> },
    { header: t('audit.target'), cell: (a) => a.target ?? '' },
  ];
  return (
    <section aria-labelledby="audit-h">
      <div className="page-head">
        <h1 id="audit-h">{t('audit.title')}</h1>
        <button type="button" className="primary" disabled={!can('audit.verify') || verify.busy} onClick={() => void verify.run()} data-testid="verify-chain">
          {t('audit.verify')}
        </button>
      </div>
      {verdict && (
        <p className={v?.ok ? 'notice notice-ok' : 'notice notice-error'} role="status" data-testid="verify-result">
          {verdict}
        </p>
      )}
      <ActionResult error={verify.error} />
      <form
        className="filters"
        role="search"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          list.first();
          setFilters(draft);
        }}
      >
        <label>
          {t('audit.actor')}
          <input value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} />
        </label>
        <label>
          {t('audit.action')}
          <input value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
      <LoadStates state={list} data={list.items} />
      {list.items && (
        <>
          <DataTable columns={columns} rows={list.items} rowKey={(a) => a.seq} testId="audit-table" />
          <Pager list={list} />
        </>
      )}
    </section>
  );
}
