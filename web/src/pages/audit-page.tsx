import { useState, type FormEvent } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { AuditEntry } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { Pager } from '../components/pager.tsx';
import { ActionResult, ErrorState, Loading } from '../components/page-state.tsx';
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
  const [cursor, setCursor] = useState<string | null>(null);
  const list = useApi<unknown>(paths.audit({ ...filters, cursor, limit: 50 }));
  const page = list.data === undefined ? undefined : asPage<AuditEntry>(list.data);
  const verify = useAction(actions.verifyAudit);
  const v = verify.result;
  const verdict = v ? (v.ok ? t('audit.verifyOk', { count: v.count ?? v.checked ?? 0 }) : t('audit.verifyBad', { seq: v.first_bad_seq ?? v.broken_at ?? '?' })) : undefined;
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
          setCursor(null);
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
      {list.loading && !page && <Loading />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {page && (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">{t('audit.at')}</th>
                  <th scope="col">{t('audit.actor')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.target')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <tr key={a.seq}>
                    <td className="num">{a.seq}</td>
                    <td>{formatTime(a.at)}</td>
                    <td>{a.actor}</td>
                    <td>
                      <code>{a.action}</code>
                    </td>
                    <td>{a.target ?? ''}</td>
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
