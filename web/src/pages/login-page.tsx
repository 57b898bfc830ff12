import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../api/client.ts';
import { readLoginAnswer, useSession } from '../api/session.tsx';
import { Field } from '../components/field.tsx';
import { LangSwitch } from '../components/lang-switch.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Email, password and the 6-digit TOTP code; explains why the operator is here (expired, signed out). */
export function LoginPage() {
  const { t } = useI18n();
  const { signedIn, ended } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{6}$/.test(totp)) {
      setError(t('login.totpFormat'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const raw = await api<unknown>('POST', '/session', { email, password, totp });
      const { me, csrf } = readLoginAnswer(raw);
      setPassword('');
      signedIn(me, csrf);
    } catch (err) {
      const locked = err instanceof ApiError && err.status === 429;
      setError(locked ? t('login.locked') : err instanceof ApiError && err.status === 401 ? t('login.failed') : t('common.error', { message: (err as Error).message }));
    } finally {
      setBusy(false);
      setTotp('');
    }
  }

  return (
    <div className="login-wrap">
      <form className="login card" onSubmit={(e) => void submit(e)} noValidate aria-describedby="login-msg">
        <div className="login-head">
          <h1>{t('login.title')}</h1>
          <LangSwitch />
        </div>
        <div id="login-msg" aria-live="polite">
          {ended === 'expired' && !error && <p className="notice notice-warn">{t('login.expired')}</p>}
          {ended === 'signed_out' && !error && <p className="notice">{t('login.signedOut')}</p>}
          {error && (
            <p className="notice notice-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <Field label={t('login.email')} type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        <Field label={t('login.password')} type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <Field
          label={t('login.totp')}
          name="totp"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          required
          value={totp}
          onChange={(e) => setTotp(e.target.value.replace(/\D/g, ''))}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('login.busy') : t('login.submit')}
        </button>
      </form>
    </div>
  );
}
