import type { Rule, RuleSet } from '../api/types.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import type { Lang } from '../i18n/translate.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The rules of a published set, in priority order, with their mode (shadow rules only observe). */
export function RulesTable({ set, lang }: { set: RuleSet; lang: Lang }) {
  const { t, formatTime } = useI18n();
  const rules = [...set.rules].sort((a, b) => (a.priority ?? 100) - (b.priority ?? 100) || a.id.localeCompare(b.id));
  const columns: Column<Rule>[] = [
    {
      header: 'ID',
      cell: (r) => (
        <>
          <code>{r.id}</code>
          <div className="muted">{r.reason[lang]}</div>
        </>
      ),
    },
    { header: t('rules.action'), cell: (r) => r.action },
    { header: t('rules.mode'), cell: (r) => (r.enabled === false ? '—' : (r.mode ?? 'active')) },
    { header: t('rules.expression'), cell: (r) => <code>{r.expression}</code> },
  ];
  return (
    <div className="card">
      <p className="muted">{t('rules.version', { version: set.version, at: formatTime(set.published_at) })}</p>
      <DataTable columns={columns} rows={rules} rowKey={(r) => r.id} />
    </div>
  );
}
