import type { PagedListState } from '../api/use-list.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Cursor paging: forward with the server's cursor, back to the first page. */
export function Pager({ list }: { list: Pick<PagedListState<unknown>, 'cursor' | 'nextCursor' | 'first' | 'next'> }) {
  const { t } = useI18n();
  const { cursor, nextCursor, first, next } = list;
  return (
    <nav className="pager" aria-label={t('common.pagination')}>
      <button type="button" onClick={first} disabled={cursor === null}>
        {t('common.first')}
      </button>
      <button type="button" onClick={() => nextCursor && next(nextCursor)} disabled={!nextCursor}>
        {t('common.next')}
      </button>
    </nav>
  );
}
