import type { BacktestResult } from '../api/types.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Backtest of the draft against the active set on stored payments: decisions per action, and the rule's hits. */
export function BacktestView({ result, ruleId }: { result: BacktestResult; ruleId: string }) {
  const { t } = useI18n();
  const hits = result.draft.rule_hits[ruleId] ?? result.draft.shadow_hits[ruleId] ?? 0;
  const row = (label: string, side: BacktestResult['draft']) => (
    <tr>
      <th scope="row">{label}</th>
      {(['allow', 'review', 'block'] as const).map((a) => (
        <td key={a} className="num">
          {(side.pre_order[a] ?? 0) + (side.post_payment[a] ?? 0)}
        </td>
      ))}
    </tr>
  );
  return (
    <div role="status" data-testid="backtest">
      <p>{t('rules.matched', { matched: hits, total: result.payments })}</p>
      <table className="table">
        <caption className="muted">{t('rules.backtestDays', { days: result.days })}</caption>
        <thead>
          <tr>
            <th scope="col" />
            <th scope="col">allow</th>
            <th scope="col">review</th>
            <th scope="col">block</th>
          </tr>
        </thead>
        <tbody>
          {row(t('rules.activeSet'), result.active)}
          {row(t('rules.draftSet'), result.draft)}
        </tbody>
      </table>
    </div>
  );
}
