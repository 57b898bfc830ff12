import { useState } from 'react';
import { paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import type { KeyStatus } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { ErrorState, Loading } from '../components/page-state.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

const DAY = 86_400_000;
/** The custody rotation is staged: a new key beside the old, switch, then retire (see docs/security.md). */
const STEPS = ['stage beside', 'switch', 'retire'];

/** Key status and expiry, with the guided rotation steps for each key. */
export function KeysPage() {
  const { t, formatTime } = useI18n();
  const list = useApi<unknown>(paths.keys());
  const keys = list.data === undefined ? undefined : asPage<KeyStatus>(list.data).items;
  const [wizard, setWizard] = useState<string | null>(null);
  return (
    <section aria-labelledby="keys-h">
      <h1 id="keys-h">{t('keys.title')}</h1>
      {list.loading && !keys && <Loading />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {keys && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('keys.kind')}</th>
                <th scope="col">{t('keys.serial')}</th>
                <th scope="col">{t('keys.state')}</th>
                <th scope="col">{t('keys.expires')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((k) => {
                const days = k.expires_at ? Math.floor((Date.parse(k.expires_at) - Date.now()) / DAY) : null;
                return (
                  <tr key={k.id}>
                    <td>{k.kind}</td>
                    <td>
                      <code>{k.serial ?? k.id}</code>
                    </td>
                    <td>
                      <StatusBadge status={k.state} prefix="key." />
                    </td>
                    <td>
                      {formatTime(k.expires_at)} {days !== null && <span className={days < 30 ? 'badge badge-warn' : 'muted'}>{t('keys.expiresIn', { days })}</span>}
                    </td>
                    <td>
                      <button type="button" aria-expanded={wizard === k.id} onClick={() => setWizard(wizard === k.id ? null : k.id)}>
                        {t('keys.rotate')}
                      </button>
                      {wizard === k.id && (
                        <ol className="wizard">
                          {STEPS.map((s, i) => (
                            <li key={s}>{t('keys.step', { n: i + 1, total: STEPS.length, label: s })}</li>
                          ))}
                        </ol>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
