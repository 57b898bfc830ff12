import { useState } from 'react';
import { actions, paths } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';
import type { Operator, Role } from '../api/types.ts';
import { useAction } from '../api/use-action.ts';
import { useList } from '../api/use-list.ts';
import { ConfirmActionDialog } from '../components/confirm-dialog.tsx';
import { DataTable, type Column } from '../components/data-table.tsx';
import { ActionResult, LoadStates } from '../components/page-state.tsx';
import { SecretOnce } from '../components/secret-once.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';

const ROLES: Role[] = ['owner', 'admin', 'risk_reviewer', 'finance', 'developer', 'viewer'];

/** Operators and roles: invite (one-time password shown once), reset 2FA with confirmation. */
export function OperatorsPage() {
  const { t, formatTime } = useI18n();
  const { can } = useSession();
  const list = useList<Operator>(paths.operators());
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [resetting, setResetting] = useState<Operator | null>(null);
  const invite = useAction(actions.inviteOperator);
  const reset = useAction(actions.resetTotp);
  const otp = invite.result ? (invite.result.one_time_password ?? invite.result.password) : undefined;
  const manage = can('operators.manage');
  const columns: Column<Operator>[] = [
    {
      header: t('ops.email'),
      cell: (o) => (
        <>
          {o.email} {o.disabled && <span className="badge badge-bad">{t('ops.disabled')}</span>}
        </>
      ),
    },
    { header: t('ops.role'), cell: (o) => t(`role.${o.role}`) },
    { header: '2FA', cell: (o) => (o.totp_enabled ? '✓' : '—') },
    { header: t('common.created'), cell: (o) => formatTime(o.created_at) },
    {
      header: t('common.actions'),
      cell: (o) => (
        <button type="button" disabled={!manage || !o.totp_enabled} onClick={() => setResetting(o)}>
          {t('ops.reset2fa')}
        </button>
      ),
    },
  ];
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
      <LoadStates state={list} data={list.items} />
      {list.items && <DataTable columns={columns} rows={list.items} rowKey={(o) => o.id} />}
      <ConfirmActionDialog
        target={resetting}
        title={t('ops.reset2fa')}
        danger
        busy={reset.busy}
        onClose={() => setResetting(null)}
        onConfirm={async (o) => {
          await reset.run(o.id);
          list.reload();
        }}
      >
        {(o) => <p>{t('ops.reset2faConfirm', { email: o.email })}</p>}
      </ConfirmActionDialog>
    </section>
  );
}
