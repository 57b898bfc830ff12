import { useState } from 'react';
import { warningClass, credentialPaths, type CertificateStatus, type CredentialStatus } from '../api/credentials.ts';
import { paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Merchant } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { useList } from '../api/use-list.ts';
import { DataTable, type Column } from '../components/data-table.tsx';
import { LoadStates } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { ApiV3KeyWizard, MerchantKeyWizard, PublicKeyWizard } from './keys-wizards.tsx';
import './keys-page.css';

type WizardName = 'merchant-key' | 'apiv3' | 'public-key';

/**
 * A merchant's WeChat credentials: which merchant key signs (and its expiry, coloured by the 30/7/1-day
 * warnings), the APIv3 key and its grace window, the WeChat Pay public key or platform certificates —
 * never secret material — and the guided rotations (keys.manage).
 */
export function KeysPage() {
  const { t } = useI18n();
  const merchants = useList<Merchant>(paths.merchants());
  const items = merchants.items;
  const [picked, setPicked] = useState<string>('');
  const merchantId = picked || items?.[0]?.id || '';
  return (
    <section aria-labelledby="keys-h">
      <h1 id="keys-h">{t('keys.title')}</h1>
      <LoadStates state={merchants} data={items} empty={t('keys.noMerchants')} />
      {items && items.length > 0 && (
        <div className="field keys-picker">
          <label htmlFor="keys-merchant">{t('keys.merchant')}</label>
          <select id="keys-merchant" data-testid="keys-merchant" value={merchantId} onChange={(e) => setPicked(e.target.value)}>
            {items.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.id})
              </option>
            ))}
          </select>
        </div>
      )}
      {merchantId && <MerchantCredentials key={merchantId} merchantId={merchantId} />}
    </section>
  );
}

function MerchantCredentials({ merchantId }: { merchantId: string }) {
  const { t } = useI18n();
  const { can } = useSession();
  const status = useApi<CredentialStatus>(credentialPaths.status(merchantId));
  const [wizard, setWizard] = useState<WizardName | null>(null);
  const s = status.data;
  const allowed = can('keys.manage');
  const toggle = (w: WizardName) => setWizard(wizard === w ? null : w);
  return (
    <>
      <LoadStates state={status} data={s} />
      {s && (
        <>
          {s.warnings.length > 0 && (
            <div className="notice notice-warn" role="status" data-testid="keys-warnings">
              <ul className="keys-warnings">
                {s.warnings.map((w) => (
                  <li key={`${w.kind}-${w.serial}`}>
                    <span className={warningClass(w.warning)}>{t(`keys.warning.${w.warning}`)}</span> {t(`keys.kind.${w.kind}`)} <code>{w.serial}</code>
                  </li>
                ))}
              </ul>
            </div>
          )}
          <StatusView s={s} />
          <div className="keys-wizard-buttons" role="group" aria-label={t('keys.wizards')}>
            <button type="button" aria-expanded={wizard === 'merchant-key'} disabled={!allowed} onClick={() => toggle('merchant-key')} data-testid="wizard-merchant-key">
              {t('keys.wizard.merchantKey')}
            </button>
            <button type="button" aria-expanded={wizard === 'apiv3'} disabled={!allowed} onClick={() => toggle('apiv3')} data-testid="wizard-apiv3">
              {t('keys.wizard.apiv3')}
            </button>
            <button type="button" aria-expanded={wizard === 'public-key'} disabled={!allowed} onClick={() => toggle('public-key')} data-testid="wizard-public-key">
              {t('keys.wizard.publicKey')}
            </button>
          </div>
          {!allowed && <p className="muted">{t('forbidden.body')}</p>}
          {allowed && wizard === 'merchant-key' && <MerchantKeyWizard merchantId={merchantId} status={s} onChanged={status.reload} />}
          {allowed && wizard === 'apiv3' && <ApiV3KeyWizard merchantId={merchantId} status={s} onChanged={status.reload} />}
          {allowed && wizard === 'public-key' && <PublicKeyWizard merchantId={merchantId} status={s} onChanged={status.reload} />}
        </>
      )}
    </>
  );
}

/** Expiry date with a badge of days left, coloured by the warning the server computed. */
export function Expiry({ c, testId }: { c: CertificateStatus; testId?: string }) {
  const { t, formatTime } = useI18n();
  if (!c.not_after) return <span className="muted">—</span>;
  const days = c.days_to_expiry ?? 0;
  return (
    <span data-testid={testId}>
      <time dateTime={c.not_after}>{formatTime(c.not_after)}</time>{' '}
      <span className={warningClass(c.warning)} data-warning={c.warning ?? 'none'}>
        {days < 0 ? t('keys.expired') : t('keys.daysLeft', { days })}
      </span>
    </span>
  );
}

/** A row of the merchant-key table: the active key, the staged one, the retired one (serial only). */
interface KeyRow {
  state: 'active' | 'staged' | 'retired';
  serial: string;
  cert: CertificateStatus | null;
}

const KEY_BADGE: Record<KeyRow['state'], string> = { active: 'badge badge-ok', staged: 'badge badge-info', retired: 'badge badge-neutral' };

function StatusView({ s }: { s: CredentialStatus }) {
  const { t, formatTime } = useI18n();
  const mk = s.merchant_key;
  const keyRows: KeyRow[] = [
    { state: 'active', serial: mk.active.serial, cert: mk.active },
    ...(mk.staged ? [{ state: 'staged' as const, serial: mk.staged.serial, cert: mk.staged }] : []),
    ...(mk.retired ? [{ state: 'retired' as const, serial: mk.retired.serial, cert: null }] : []),
  ];
  const keyColumns: Column<KeyRow>[] = [
    { header: t('keys.state'), cell: (r) => <span className={KEY_BADGE[r.state]}>{t(`keys.${r.state}`)}</span> },
    { header: t('keys.serial'), cell: (r) => <code data-testid={`${r.state}-serial`}>{r.serial}</code> },
    { header: t('keys.validFrom'), cell: (r) => (r.cert ? formatTime(r.cert.not_before) : '—') },
    { header: t('keys.expires'), cell: (r) => (r.cert ? <Expiry c={r.cert} testId={r.state === 'active' ? 'active-expiry' : undefined} /> : '—') },
  ];
  const certColumns: Column<CertificateStatus>[] = [
    { header: t('keys.serial'), cell: (c) => <code>{c.serial}</code> },
    { header: t('keys.expires'), cell: (c) => <Expiry c={c} /> },
  ];
  return (
    <div className="keys-status">
      <div className="card">
        <h2>{t('keys.merchantKey')}</h2>
        <p>
          {t('keys.keyMode')}: <span className="badge badge-neutral" data-testid="key-mode">{t(s.key_mode === 'public_key' ? 'keys.mode.public_key' : 'keys.mode.platform_certificate')}</span>
        </p>
        <DataTable columns={keyColumns} rows={keyRows} rowKey={(r) => r.state} testId="merchant-key-table" />
      </div>
      <div className="card">
        <h2>{t('keys.apiv3')}</h2>
        <p>{s.apiv3_key.configured ? t('keys.apiv3Configured') : t('keys.apiv3Missing')}</p>
        {s.apiv3_key.previous_in_grace_until && (
          <p data-testid="apiv3-grace-status">
            {t('keys.graceUntil', { time: formatTime(s.apiv3_key.previous_in_grace_until) })}
          </p>
        )}
      </div>
      <div className="card">
        <h2>{t('keys.publicKey')}</h2>
        <p>
          {t('keys.publicKeyId')}: {s.wechatpay_public_key.id ? <code data-testid="public-key-id">{s.wechatpay_public_key.id}</code> : <span className="muted">{t('keys.none')}</span>}
        </p>
        {s.wechatpay_public_key.dual_verification_since && <p>{t('keys.dualSince', { time: formatTime(s.wechatpay_public_key.dual_verification_since) })}</p>}
        <h3>{t('keys.platformCerts')}</h3>
        {s.platform_certificates.length === 0 ? (
          <p className="muted">{t('keys.none')}</p>
        ) : (
          <DataTable columns={certColumns} rows={s.platform_certificates} rowKey={(c) => c.serial} />
        )}
      </div>
    </div>
  );
}
