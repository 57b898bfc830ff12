import { useI18n } from '../i18n/i18n-context.tsx';

/** Cursor paging: forward with the server's cursor, back to the first page. */
export function Pager({ cursor, nextCursor, onFirst, onNext }: { cursor: string | null; nextCursor: string | null; onFirst(): void; onNext(c: string): void }) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label="pagination">
      <button type="button" onClick={onFirst} disabled={cursor === null}>
        {t('common.first')}
      </button>
      <button type="button" onClick={() => nextCursor && onNext(nextCursor)} disabled={!nextCursor}>
        {t('common.next')}
      </button>
    </nav>
  );
}
