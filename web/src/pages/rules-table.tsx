import type { RuleSet } from '../api/types.ts';
import type { Lang } from '../i18n/translate.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The rules of a published set, in priority order, with their mode (shadow rules only observe). */
export function RulesTable({ set, lang }: { set: RuleSet; lang: Lang }) {
  const { t, formatTime } = useI18n();
  const rules = [...set.rules].sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100) || a.id.localeCompare(b.id));
  return (
    <div className="card">
      <p className="muted">{t('rules.version', { version: set.version, at: formatTime(set.published_at) })}</p>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">ID</th>
              <th scope="col">{t('rules.action')}</th>
              <th scope="col">{t('rules.mode')}</th>
              <th scope="col">{t('rules.expression')}</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.id}</code>
                  <div className="muted">{r.reason[lang]}</div>
                </td>
                <td>{r.action}</td>
                <td>{r.enabled === false ? '—' : (r.mode ?? 'active')}</td>
                <td>
                  <code>{r.expression}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
