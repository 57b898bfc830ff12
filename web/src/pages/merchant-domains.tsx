import { useState } from 'react';
import { actions } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import { useAction } from '../api/use-action.ts';
import { ActionResult } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** The H5 payment domains (one per line); the server validates each as a bare hostname. */
export function MerchantDomains({ merchantId, domains, changed }: { merchantId: string; domains: string[]; changed(): void }) {
  const { t } = useI18n();
  const { can } = useSession();
  const [text, setText] = useState(domains.join('\n'));
  const [saved, setSaved] = useState<string>();
  const save = useAction(actions.saveH5Domains);
  const list = text
    .split(/[\s,]+/)
    .map((d) => d.trim())
    .filter(Boolean);
  return (
    <form
      className="card"
      onSubmit={async (e) => {
        e.preventDefault();
        setSaved(undefined);
        if (await save.run(merchantId, list)) {
          setSaved(t('common.done'));
          changed();
        }
      }}
    >
      <label>
        {t('mer.domains')}
        <textarea rows={3} className="code" value={text} onChange={(e) => setText(e.target.value)} aria-describedby="domains-hint" />
      </label>
      <small id="domains-hint" className="muted">
        {t('mer.domainsHint')}
      </small>
      <ActionResult error={save.error} success={saved} />
      <div className="button-row">
        <button type="submit" disabled={!can('merchants.manage') || save.busy || list.length === 0}>
          {t('common.save')}
        </button>
      </div>
    </form>
  );
}
