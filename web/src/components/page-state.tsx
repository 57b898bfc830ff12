import type { ApiError } from '../api/client.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="muted" role="status" aria-live="polite">
      {t('common.loading')}
    </p>
  );
}

export function NoPermission() {
  const { t } = useI18n();
  return (
    <section className="notice notice-warn" role="alert" data-testid="no-permission">
      <h2>{t('forbidden.title')}</h2>
      <p>{t('forbidden.body')}</p>
    </section>
  );
}

/** 403 → "no permission"; a route the gateway does not have yet → "not available"; else the message. */
export function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  const { t } = useI18n();
  if (error.status === 403 && error.code !== 'csrf_token_invalid') return <NoPermission />;
  const missingRoute = error.status === 404 && error.code === 'not_found' && /route/i.test(error.message);
  return (
    <div className="notice notice-error" role="alert">
      <p>{missingRoute ? t('common.notAvailable') : t('common.error', { message: error.message || error.code })}</p>
      {retry && !missingRoute && (
        <button type="button" onClick={retry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/**
 * What a page shows around fetched data: "loading" until the first answer, the error (with retry) even
 * over data already shown, and `empty` when the answer is an empty list.
 */
export function LoadStates({ state, data, empty }: { state: { loading: boolean; error: ApiError | undefined; reload(): void }; data: unknown; empty?: string }) {
  return (
    <>
      {state.loading && !data && <Loading />}
      {state.error && <ErrorState error={state.error} retry={state.reload} />}
      {empty !== undefined && Array.isArray(data) && data.length === 0 && <p className="muted">{empty}</p>}
    </>
  );
}

/** One inline answer to an action: error (or no permission) or a success line. */
export function ActionResult({ error, success }: { error: ApiError | undefined; success?: string | undefined }) {
  const { t } = useI18n();
  if (error) {
    const text = error.status === 403 && error.code !== 'csrf_token_invalid' ? t('forbidden.body') : t('common.error', { message: error.message || error.code });
    return (
      <p className="inline-error" role="alert">
        {text}
      </p>
    );
  }
  if (success)
    return (
      <p className="inline-ok" role="status">
        {success}
      </p>
    );
  return null;
}
