import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { asPage } from '../api/normalize.ts';
import { useSession } from '../api/session.tsx';
import type { Operator, Role } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useApi } from '../api/use-api.ts';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { ActionResult, ErrorState, Loading } from '../components/page-state.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

const ROLES: Role[] = ['owner', 'admin', 'risk_reviewer', 'finance', 'developer', 'viewer'];

/** Operators and roles: invite (one-time password shown once), reset 2FA with confirmation. */
export function OperatorsPage() {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useApi<unknown>(paths.operators());
  const ops = list.data === undefined ? undefined : asPage<Operator>(list.data).items;
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [resetting, setResetting] = useState<Operator | null>(null);
  const invite = useAction(actions.inviteOperator);
  const reset = useAction(actions.resetTotp);
  const otp = invite.result ? (invite.result.one_time_password ?? invite.result.password) : undefined;
  const manage = can('operators.manage');
  return (
    <section aria-labelledby="ops-h">
      <h1 id="ops-h">{t('ops.title')}</h1>
      <form
        className="filters card"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await invite.run(email.trim(), name.trim() || email.trim(), role)) {
            setEmail('');
            setName('');
            list.reload();
          }
        }}
      >
        <label>
          {t('ops.email')}
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          {t('mer.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('ops.role')}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`role.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={!manage || invite.busy}>
          {t('ops.invite')}
        </button>
      </form>
      {otp && <SecretOnce label={t('ops.invited')} value={otp} />}
      <ActionResult error={invite.error ?? reset.error} />
      {list.loading && !ops && <Loading />}
      {list.error && <ErrorState error={list.error} retry={list.reload} />}
      {ops && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('ops.email')}</th>
                <th scope="col">{t('ops.role')}</th>
                <th scope="col">2FA</th>
                <th scope="col">{t('common.created')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {ops.map((o) => (
                <tr key={o.id}>
                  <td>
                    {o.email} {o.disabled && <span className="badge badge-bad">{t('ops.disabled')}</span>}
                  </td>
                  <td>{t(`role.${o.role}`)}</td>
                  <td>{o.totp_enabled ? '✓' : '—'}</td>
                  <td>{formatTime(o.created_at)}</td>
                  <td>
                    <button type="button" disabled={!manage || !o.totp_enabled} onClick={() => setResetting(o)}>
                      {t('ops.reset2fa')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={resetting !== null}
        title={t('ops.reset2fa')}
        danger
        busy={reset.busy}
        onCancel={() => setResetting(null)}
        onConfirm={async () => {
          if (resetting) await reset.run(resetting.id);
          setResetting(null);
          list.reload();
        }}
      >
        <p>{t('ops.reset2faConfirm', { email: resetting?.email ?? '' })}</p>
      </ConfirmDialog>
    </section>
  );
}
