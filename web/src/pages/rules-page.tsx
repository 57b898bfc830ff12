import { useEffect, useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { Rule } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult, ErrorState } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

const ACTIONS = ['review', 'block', 'allow', 'flag'];

/** Published rules; an editor that validates CEL on the server as you type, backtests, then publishes. */
export function RulesPage() {
  const { t } = useI18n();
  const { can } = useSession();
  const list = useApi<unknown>(paths.rules());
  const rules = list.data === undefined ? undefined : asPage<Rule>(list.data).items;
  const [name, setName] = useState('');
  const [expression, setExpression] = useState('');
  const [action, setAction] = useState('review');
  const [confirm, setConfirm] = useState(false);
  const [published, setPublished] = useState<string>();
  const validate = useAction(actions.validateRule);
  const backtest = useAction(actions.backtestRule);
  const publish = useAction(actions.publishRule);
  const runValidate = validate.run;
  // Inline validation: debounced, so the server compiles at most every 400 ms while typing.
  useEffect(() => {
    if (!expression.trim()) return;
    const h = setTimeout(() => void runValidate(expression), 400);
    return () => clearTimeout(h);
  }, [expression, runValidate]);
  const v = validate.result;
  const problems = v ? (v.errors?.map((e) => e.message) ?? (v.error ? [v.error] : [])) : [];
  const valid = v !== undefined && (v.ok ?? v.valid ?? problems.length === 0) && problems.length === 0;
  const manage = can('rules.manage');
  return (
    <section aria-labelledby="rules-h">
      <h1 id="rules-h">{t('rules.title')}</h1>
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {rules && (
        <ul className="cards">
          {rules.map((r) => (
            <li key={r.id} className="card">
              <strong>{r.name}</strong> · {r.action} {r.mode ? `· ${r.mode}` : ''}
              <pre className="code">{r.expression}</pre>
            </li>
          ))}
        </ul>
      )}
      <form className="card editor" onSubmit={(e) => e.preventDefault()}>
        <label>
          {t('rules.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('rules.action')}
          <select value={action} onChange={(e) => setAction(e.target.value)}>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label>
          {t('rules.expression')}
          <textarea rows={5} spellCheck={false} className="code" value={expression} aria-invalid={problems.length > 0} aria-describedby="rule-check" onChange={(e) => setExpression(e.target.value)} />
        </label>
        <div id="rule-check" aria-live="polite">
          {problems.map((p) => (
            <p key={p} className="inline-error">
              {p}
            </p>
          ))}
          {valid && <p className="inline-ok">{t('rules.valid')}</p>}
        </div>
        <ActionResult error={validate.error ?? backtest.error ?? publish.error} success={published} />
        <div className="button-row">
          <button type="button" disabled={!expression.trim() || backtest.busy} onClick={() => void backtest.run(expression)}>
            {t('rules.backtest')}
          </button>
          <button type="button" className="primary" disabled={!manage || !valid || !name.trim()} onClick={() => setConfirm(true)}>
            {t('rules.publish')}
          </button>
        </div>
        {backtest.result && (
          <p role="status">
            {t('rules.shadow')}: {t('rules.matched', { matched: backtest.result.matched, total: backtest.result.total })}
          </p>
        )}
      </form>
      <ConfirmDialog
        open={confirm}
        title={t('rules.publish')}
        busy={publish.busy}
        onCancel={() => setConfirm(false)}
        onConfirm={async () => {
          if (await publish.run({ name: name.trim(), expression, action })) {
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
