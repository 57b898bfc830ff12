import { useId, useState, type ReactNode, type TextareaHTMLAttributes } from 'react';
import type { ApiError } from '../api/client.ts';
import { apiV3KeyProblem, credentialActions, looksLikePem, type CredentialStatus } from '../api/credentials.ts';
import { useAction } from '../api/use-action.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { Field } from '../components/field.tsx';
import { en, type MessageKey } from '../i18n/en.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

/**
 * The guided credential rotations. Every mutating step asks for confirmation first; a refusal shows the
 * server's stable code with its explanation in the current language. Pasted secrets (private key, APIv3
 * key) live only in this component's state until submitted, then are cleared whatever the answer; they
 * are never written to storage.
 */
interface WizardProps {
  merchantId: string;
  status: CredentialStatus;
  onChanged(): void;
}

/** The server's error code, explained in the current language when the catalogue knows it. */
export function KeyError({ error }: { error: ApiError | undefined }) {
  const { t } = useI18n();
  if (!error) return null;
  const key = `keys.err.${error.code}`;
  const text = error.status === 403 && error.code !== 'csrf_token_invalid' ? t('forbidden.body') : key in en ? t(key as MessageKey) : t('common.error', { message: error.message || error.code });
  return (
    <p className="inline-error" role="alert" data-testid="key-error" data-code={error.code}>
      {text} <code>{error.code}</code>
    </p>
  );
}

function TextArea({ label, hint, ...rest }: { label: string; hint?: string } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} rows={6} spellCheck={false} autoComplete="off" autoCorrect="off" autoCapitalize="off" className="keys-pem" aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
    </div>
  );
}

/** The ordered steps, the current one marked for assistive technology. */
function Steps({ labels, current }: { labels: MessageKey[]; current: number }) {
  const { t } = useI18n();
  return (
    <ol className="keys-steps">
      {labels.map((l, i) => (
        <li key={l} className={i < current ? 'done' : i === current ? 'current' : undefined} aria-current={i === current ? 'step' : undefined}>
          {t('keys.step', { n: i + 1, total: labels.length, label: t(l) })}
        </li>
      ))}
    </ol>
  );
}

function WizardFrame({ title, testId, children }: { title: string; testId: string; children: ReactNode }) {
  return (
    <section className="card keys-wizard" aria-label={title} data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

type MerchantStep = 'stage' | 'switch' | 'retire';

/** Merchant API key: paste certificate + private key → stage beside the active pair → switch → retire the old pair. */
export function MerchantKeyWizard({ merchantId, status, onChanged }: WizardProps) {
  const { t } = useI18n();
  const [cert, setCert] = useState('');
  const [key, setKey] = useState('');
  const [confirm, setConfirm] = useState<MerchantStep | null>(null);
  const [done, setDone] = useState<string>();
  const stage = useAction(credentialActions.stageMerchantKey);
  const sw = useAction(credentialActions.switchMerchantKey);
  const retire = useAction(credentialActions.retireMerchantKey);
  const mk = status.merchant_key;
  const current = mk.staged ? 1 : mk.retired ? 2 : 0;
  const busy = stage.busy || sw.busy || retire.busy;
  const error = stage.error ?? sw.error ?? retire.error;
  const canStage = looksLikePem(cert, 'CERTIFICATE') && looksLikePem(key, 'PRIVATE KEY');

  const clearErrors = () => {
    stage.clear();
    sw.clear();
    retire.clear();
    setDone(undefined);
  };
  const run = async () => {
    const step = confirm;
    setConfirm(null);
    clearErrors();
    if (step === 'stage') {
      const c = cert;
      const k = key;
      // Cleared on submission, whatever the answer: the private key is pasted again if the server refuses it.
      setKey('');
      const r = await stage.run(merchantId, c, k);
      if (r) {
        setCert('');
        setDone(t('keys.mk.staged', { serial: r.staged_serial }));
      }
    } else if (step === 'switch') {
      const r = await sw.run(merchantId);
      if (r) setDone(t('keys.mk.switched', { active: r.active_serial, retired: r.retired_serial }));
    } else if (step === 'retire') {
      const r = await retire.run(merchantId);
      if (r) setDone(t('keys.mk.retiredDone', { serial: r.retired_serial }));
    }
    onChanged();
  };

  return (
    <WizardFrame title={t('keys.wizard.merchantKey')} testId="merchant-key-wizard">
      <Steps labels={['keys.mk.stepStage', 'keys.mk.stepSwitch', 'keys.mk.stepRetire']} current={current} />
      {current === 0 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (canStage) setConfirm('stage');
          }}
        >
          <TextArea label={t('keys.mk.cert')} hint={t('keys.mk.certHint')} value={cert} onChange={(e) => setCert(e.target.value)} />
          <TextArea label={t('keys.mk.privateKey')} hint={t('keys.mk.privateKeyHint')} value={key} onChange={(e) => setKey(e.target.value)} />
          <button type="submit" className="primary" disabled={!canStage || busy}>
            {t('keys.mk.stage')}
          </button>
        </form>
      )}
      {current >= 1 && mk.staged && (
        <p>
          {t('keys.mk.stagedReady', { serial: mk.staged.serial })}{' '}
          <button type="button" className="primary" disabled={busy} onClick={() => setConfirm('switch')} data-testid="mk-switch">
            {t('keys.mk.switch')}
          </button>
        </p>
      )}
      {mk.retired && (
        <p>
          {t('keys.mk.retiredReady', { serial: mk.retired.serial })}{' '}
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirm('retire')} data-testid="mk-retire">
            {t('keys.mk.retire')}
          </button>
        </p>
      )}
      <KeyError error={error} />
      {done && (
        <p className="inline-ok" role="status">
          {done}
        </p>
      )}
      <ConfirmDialog
        open={confirm !== null}
        title={t('keys.wizard.merchantKey')}
        busy={busy}
        danger={confirm === 'retire'}
        onCancel={() => setConfirm(null)}
        onConfirm={() => void run()}
      >
        <p>{confirm === 'stage' ? t('keys.mk.confirmStage') : confirm === 'switch' ? t('keys.mk.confirmSwitch', { serial: mk.staged?.serial ?? '' }) : t('keys.mk.confirmRetire', { serial: mk.retired?.serial ?? '' })}</p>
      </ConfirmDialog>
    </WizardFrame>
  );
}

/** APIv3 key: type the new 32-character key twice → confirm → the previous key keeps decrypting until the grace end. */
export function ApiV3KeyWizard({ merchantId, status, onChanged }: WizardProps) {
  const { t, formatTime } = useI18n();
  const [key, setKey] = useState('');
  const [again, setAgain] = useState('');
  const [confirm, setConfirm] = useState(false);
  const change = useAction(credentialActions.changeApiV3Key);
  const problem = apiV3KeyProblem(key, again);
  const showProblem = key !== '' && (problem !== 'mismatch' || again.length >= key.length);
  const graceUntil = change.result?.previous_key_expires_at ?? null;

  const run = async () => {
    setConfirm(false);
    const k = key;
    setKey('');
    setAgain('');
    await change.run(merchantId, k);
    onChanged();
  };

  return (
    <WizardFrame title={t('keys.wizard.apiv3')} testId="apiv3-wizard">
      <Steps labels={['keys.v3.stepEnter', 'keys.v3.stepConfirm', 'keys.v3.stepGrace']} current={graceUntil ? 2 : confirm ? 1 : 0} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (problem === null) {
            change.clear();
            setConfirm(true);
          }
        }}
      >
        <Field label={t('keys.v3.new')} type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} aria-invalid={showProblem && problem !== 'mismatch' ? true : undefined} hint={t('keys.v3.hint')} />
        <Field label={t('keys.v3.again')} type="password" autoComplete="off" spellCheck={false} value={again} onChange={(e) => setAgain(e.target.value)} aria-invalid={showProblem && problem === 'mismatch' ? true : undefined} />
        {showProblem && problem && (
          <p className="inline-error" data-testid="apiv3-problem">
            {t(`keys.v3.problem.${problem}`)}
          </p>
        )}
        <button type="submit" className="primary" disabled={problem !== null || change.busy}>
          {t('keys.v3.change')}
        </button>
      </form>
      <KeyError error={change.error} />
      {graceUntil && (
        <p className="notice notice-ok" role="status" data-testid="apiv3-grace">
          {t('keys.v3.done', { time: formatTime(graceUntil) })}
        </p>
      )}
      {!graceUntil && status.apiv3_key.previous_in_grace_until && <p className="muted">{t('keys.v3.graceRunning', { time: formatTime(status.apiv3_key.previous_in_grace_until) })}</p>}
      <ConfirmDialog open={confirm} title={t('keys.wizard.apiv3')} busy={change.busy} onCancel={() => setConfirm(false)} onConfirm={() => void run()}>
        <p>{t('keys.v3.confirm')}</p>
      </ConfirmDialog>
    </WizardFrame>
  );
}

/** WeChat Pay public key: add the key id + PEM (verified beside the platform certificates) → cut over. */
export function PublicKeyWizard({ merchantId, status, onChanged }: WizardProps) {
  const { t } = useI18n();
  const [keyId, setKeyId] = useState('');
  const [pem, setPem] = useState('');
  const [confirm, setConfirm] = useState<'add' | 'cut-over' | null>(null);
  const [done, setDone] = useState<string>();
  const add = useAction(credentialActions.addPublicKey);
  const cut = useAction(credentialActions.cutOverToPublicKey);
  const pk = status.wechatpay_public_key;
  const cutOver = status.key_mode === 'public_key';
  const current = cutOver && pk.id ? 2 : pk.id ? 1 : 0;
  const busy = add.busy || cut.busy;
  const canAdd = keyId.trim() !== '' && looksLikePem(pem, 'PUBLIC KEY');

  const run = async () => {
    const step = confirm;
    setConfirm(null);
    add.clear();
    cut.clear();
    setDone(undefined);
    if (step === 'add') {
      const r = await add.run(merchantId, keyId.trim(), pem);
      if (r) {
        setKeyId('');
        setPem('');
        setDone(t('keys.pk.added', { id: r.wechatpay_public_key.id ?? '' }));
      }
    } else if (step === 'cut-over') {
      const r = await cut.run(merchantId);
      if (r) setDone(t('keys.pk.cutOverDone'));
    }
    onChanged();
  };

  return (
    <WizardFrame title={t('keys.wizard.publicKey')} testId="public-key-wizard">
      <Steps labels={['keys.pk.stepAdd', 'keys.pk.stepCutOver']} current={current} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (canAdd) setConfirm('add');
        }}
      >
        <Field label={t('keys.pk.id')} hint={t('keys.pk.idHint')} value={keyId} autoComplete="off" spellCheck={false} onChange={(e) => setKeyId(e.target.value)} />
        <TextArea label={t('keys.pk.pem')} hint={t('keys.pk.pemHint')} value={pem} onChange={(e) => setPem(e.target.value)} />
        <button type="submit" className="primary" disabled={!canAdd || busy}>
          {pk.id ? t('keys.pk.replace') : t('keys.pk.add')}
        </button>
      </form>
      {pk.id && !cutOver && (
        <p>
          {t('keys.pk.readyCutOver', { id: pk.id })}{' '}
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirm('cut-over')} data-testid="pk-cut-over">
            {t('keys.pk.cutOver')}
          </button>
        </p>
      )}
      {cutOver && <p className="muted">{t('keys.pk.alreadyCutOver', { id: pk.id ?? '' })}</p>}
      <KeyError error={add.error ?? cut.error} />
      {done && (
        <p className="inline-ok" role="status">
          {done}
        </p>
      )}
      <ConfirmDialog open={confirm !== null} title={t('keys.wizard.publicKey')} busy={busy} danger={confirm === 'cut-over'} onCancel={() => setConfirm(null)} onConfirm={() => void run()}>
        <p>{confirm === 'add' ? t('keys.pk.confirmAdd') : t('keys.pk.confirmCutOver', { id: pk.id ?? '' })}</p>
      </ConfirmDialog>
    </WizardFrame>
  );
}
