import { useEffect, useMemo, useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Rule, RuleSet } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useList } from '../api/use-list.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult, LoadStates } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { activeRuleSet, ruleIdFrom, withRule } from '../lib/rule-draft.ts';
import { BacktestView } from './rules-backtest.tsx';
import { RulesTable } from './rules-table.tsx';

const ACTIONS: Rule['action'][] = ['review', 'block', 'allow'];

/**
 * The published global rule set, and an editor for one rule: the server compiles the whole draft as
 * you type (errors with line and column), backtests it against stored payments, and publishes it as
 * a new version after confirmation.
 */
export function RulesPage() {
  const { t, lang } = useI18n();
  const { can } = useSession();
  const list = useList<RuleSet>(paths.ruleSets());
  const active = list.items === undefined ? undefined : activeRuleSet(list.items);
  const [name, setName] = useState('');
  const [expression, setExpression] = useState('');
  const [action, setAction] = useState<Rule['action']>('review');
  const [mode, setMode] = useState<'active' | 'shadow'>('shadow');
  const [confirm, setConfirm] = useState(false);
  const [published, setPublished] = useState<string>();
  const validate = useAction(actions.validateRules);
  const backtest = useAction(actions.backtestRules);
  const publish = useAction(actions.publishRules);
  const draft = useMemo<Rule[]>(() => {
    const reason = name.trim() || 'rule';
    return withRule(active?.rules ?? [], { id: ruleIdFrom(name), expression, action, score: 50, reason: { 'zh-CN': reason, en: reason }, mode });
  }, [active, name, expression, action, mode]);
  const runValidate = validate.run;
  // Inline validation, debounced: at most one compile on the server every 400 ms while typing.
  useEffect(() => {
    if (!expression.trim()) return;
    const h = setTimeout(() => void runValidate(draft), 400);
    return () => clearTimeout(h);
  }, [draft, expression, runValidate]);
  const problems = validate.result?.errors ?? [];
  const valid = validate.result?.valid === true;
  const manage = can('rules.manage');
  return (
    <section aria-labelledby="rules-h">
      <h1 id="rules-h">{t('rules.title')}</h1>
      <LoadStates state={list} data={list.items} />
      {active && <RulesTable set={active} lang={lang} />}
      <form className="card editor" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('rules.name')}
          <input value={name} maxLength={64} onChange={(e) => setName(e.target.value)} />
        </label>
        <div className="inline-form">
          <label>
            {t('rules.action')}
            <select value={action} onChange={(e) => setAction(e.target.value as Rule['action'])}>
              {ACTIONS.map((a) => (
                <option key={a}>{a}</option>
              ))}
            </select>
          </label>
          <label>
            {t('rules.mode')}
            <select value={mode} onChange={(e) => setMode(e.target.value as 'active' | 'shadow')}>
              <option value="shadow">shadow</option>
              <option value="active">active</option>
            </select>
          </label>
        </div>
        <label>
          {t('rules.expression')}
          <textarea rows={5} spellCheck={false} className="code" value={expression} aria-invalid={problems.length > 0} aria-describedby="rule-check" onChange={(e) => setExpression(e.target.value)} data-testid="rule-expression" />
        </label>
        <div id="rule-check" aria-live="polite" data-testid="rule-check">
          {problems.map((p) => (
            <p key={`${p.path}-${p.message}`} className="inline-error">
              {p.position ? `${p.position.line}:${p.position.column} ` : ''}
              {p.message}
            </p>
          ))}
          {valid && expression.trim() && <p className="inline-ok">{t('rules.valid')}</p>}
        </div>
        <ActionResult error={validate.error ?? backtest.error ?? publish.error} success={published} />
        <div className="button-row">
          <button type="button" disabled={!valid || backtest.busy} onClick={() => void backtest.run(draft, 7)}>
            {t('rules.backtest')}
          </button>
          <button type="button" className="primary" disabled={!manage || !valid || !name.trim()} onClick={() => setConfirm(true)}>
            {t('rules.publish')}
          </button>
        </div>
        {backtest.result && <BacktestView result={backtest.result} ruleId={ruleIdFrom(name)} />}
      </form>
      <ConfirmDialog
        open={confirm}
        title={t('rules.publish')}
        busy={publish.busy}
        onCancel={() => setConfirm(false)}
        onConfirm={async () => {
          if (await publish.run(draft, name.trim())) {
            setPublished(t('rules.published'));
            list.reload();
          }
          setConfirm(false);
        }}
      >
        <p>{t('rules.publishConfirm', { name })}</p>
      </ConfirmDialog>
    </section>
  );
}
