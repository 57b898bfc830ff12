import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { loadConfig } from '../../config/config.ts';
import { openMigratedDatabase } from '../../db/open-from-config.ts';
import { listOperators } from '../../db/operators.ts';
import type { Database } from '../../db/schema.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { isAppError } from '../../lib/errors.ts';
import { cliActorId } from '../custody/cli-actor.ts';
import { createOperator } from './create-operator.ts';
import { operatorView } from './operator-view.ts';

/**
 * `anfu admin create --email … --role … [--name …] [--merchant …]` creates an operator from the server's
 * shell (the way to get the first owner in live mode) and prints its one-time password once, on stdout
 * only: it is never logged nor stored (only its argon2id hash is). The first sign-in must change it and,
 * for owner/admin/finance, enrol TOTP. `anfu admin list` prints operators without secrets.
 */
export interface AdminCreateOptions {
  email: string;
  role: string;
  name?: string | undefined;
  merchant?: string[] | undefined;
}

export interface CliOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const processOutput: CliOutput = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** The command's work, callable from tests: returns the exit code. */
export async function runAdminCreate(deps: { db: Kysely<Database>; clock: Clock }, o: AdminCreateOptions, out: CliOutput = processOutput): Promise<number> {
  return reportErrors(out, async () => {
    const name = o.name ?? o.email.split('@')[0] ?? o.email;
    const input = { email: o.email, name, role: o.role, merchant_scope: o.merchant && o.merchant.length > 0 ? o.merchant : null };
    const r = await createOperator(deps, { type: 'cli', id: cliActorId() }, input);
    out.stdout(`${JSON.stringify({ operator: r.operator, one_time_password: r.oneTimePassword.reveal() }, null, 2)}\n`);
    out.stderr(
      'The one-time password is shown once; give it to the operator over a safe channel.\n' +
        `At first sign-in they must choose a new password${r.operator.totp_required ? ' and enrol two-factor authentication (TOTP)' : ''}.\n`,
    );
  });
}

export async function runAdminList(deps: { db: Kysely<Database> }, out: CliOutput = processOutput): Promise<number> {
  return reportErrors(out, async () => {
    out.stdout(`${JSON.stringify({ operators: (await listOperators(deps.db)).map(operatorView) }, null, 2)}\n`);
  });
}

async function reportErrors(out: CliOutput, fn: () => Promise<void>): Promise<number> {
  try {
    await fn();
    return 0;
  } catch (e) {
    if (!isAppError(e)) throw e;
    out.stderr(`error: ${e.code}: ${e.message}\n`);
    for (const i of (e.details?.issues as Array<{ field: string; message: string }> | undefined) ?? []) out.stderr(`  ${i.field}: ${i.message}\n`);
    return 1;
  }
}

async function withDatabase(fn: (db: Kysely<Database>) => Promise<number>): Promise<void> {
  const { handle } = await openMigratedDatabase(loadConfig());
  try {
    process.exitCode = await fn(handle.db);
  } finally {
    await handle.close();
  }
}

export function addAdminCommand(program: Command): void {
  const admin = program.command('admin').description('console operators (people who sign in to /console)');
  admin
    .command('create')
    .description('create an operator and print a one-time password (shown once)')
    .requiredOption('--email <email>', 'sign-in e-mail')
    .requiredOption('--role <role>', 'owner | admin | risk_reviewer | finance | developer | viewer')
    .option('--name <name>', 'display name (default: the e-mail local part)')
    .option('--merchant <merchant_id...>', 'limit the operator to these merchants (default: all)')
    .action((o: AdminCreateOptions) => withDatabase((db) => runAdminCreate({ db, clock: systemClock }, o)));
  admin
    .command('list')
    .description('list operators (no secrets)')
    .action(() => withDatabase((db) => runAdminList({ db })));
}
