import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { writeDevelopmentKekFile } from '../../src/services/custody/kms-from-config.ts';
import { runAdminCreate, runAdminList, type CliOutput } from '../../src/services/operators/admin-cli.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { adminClient } from '../helpers/operator-browser.ts';

/**
 * `anfu admin create`: prints the one-time password once (stdout only, never stored in clear), the
 * first sign-in is a setup session that must change it and enrol TOTP; duplicate e-mail and bad role
 * are clear errors. Once through the real binary on a PGlite data directory with a development KEK.
 */
function capture(): CliOutput & { out: string; err: string } {
  const c = { out: '', err: '', stdout: (s: string) => void (c.out += s), stderr: (s: string) => void (c.err += s) };
  return c;
}

describeEachDb('anfu admin create', (t) => {
  let gw: Gateway;
  const clock = fixedClock(Date.now());
  beforeAll(async () => {
    gw = await startGateway({ database: t.handle, clock, workers: false });
  });
  afterAll(async () => gw?.close());

  it('prints a one-time password once; the first sign-in must change it and enrol TOTP', async () => {
    const c = capture();
    expect(await runAdminCreate({ db: t.db, clock }, { email: 'First.Owner@Example.com', role: 'owner', name: 'First Owner' }, c)).toBe(0);
    const printed = JSON.parse(c.out) as { operator: { email: string; role: string; totp_required: boolean }; one_time_password: string };
    expect(printed.operator).toMatchObject({ email: 'first.owner@example.com', role: 'owner', totp_required: true });
    expect(printed.one_time_password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    expect(c.err).toContain('shown once');
    expect(c.err).not.toContain(printed.one_time_password);
    const row = await sql<{ dump: string }>`SELECT row_to_json(o)::text AS dump FROM operators o WHERE email = 'first.owner@example.com'`.execute(t.db);
    expect(row.rows[0]!.dump).not.toContain(printed.one_time_password);
    expect(row.rows[0]!.dump).toContain('$argon2id$');

    const admin = adminClient(gw.baseUrl);
    const first = await admin.login('first.owner@example.com', printed.one_time_password);
    expect([first.res.status, first.res.body.setup_required]).toEqual([201, ['change_password', 'enrol_totp']]);
    expect((await admin.call(first.b, 'GET', '/admin/api/dashboard')).body.error.code).toBe('setup_required');

    const list = capture();
    expect(await runAdminList({ db: t.db }, list)).toBe(0);
    expect(list.out).toContain('first.owner@example.com');
    expect(list.out).not.toMatch(/argon2|password_hash|one_time/);
  });

  it('refuses a taken e-mail and an unknown role with clear codes, and names the option', async () => {
    const dup = capture();
    expect(await runAdminCreate({ db: t.db, clock }, { email: 'first.owner@example.com', role: 'viewer' }, dup)).toBe(1);
    expect([dup.out, dup.err]).toEqual(['', expect.stringContaining('error: operator_email_taken')]);
    const role = capture();
    expect(await runAdminCreate({ db: t.db, clock }, { email: 'x@example.com', role: 'superuser' }, role)).toBe(1);
    expect(role.err).toMatch(/error: invalid_request[\s\S]*\/role/);
    const email = capture();
    expect(await runAdminCreate({ db: t.db, clock }, { email: 'not-an-email', role: 'viewer' }, email)).toBe(1);
    expect(email.err).toMatch(/\/email/);
    const scope = capture();
    expect(await runAdminCreate({ db: t.db, clock }, { email: 'y@example.com', role: 'viewer', merchant: ['mer_doesnotexist'] }, scope)).toBe(1);
    expect(scope.err).toContain('merchant_scope_unknown');
  });
});

describe('anfu admin create (the binary)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anfu-admin-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is registered, and creates an owner in a PGlite data directory; a second run with the same e-mail exits 1', async () => {
    expect(buildProgram().commands.map((c) => c.name())).toContain('admin');
    const keyFile = join(dir, 'master.key');
    writeDevelopmentKekFile(keyFile);
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ANFU_MODE: 'sandbox', ANFU_DATA_DIR: join(dir, 'data'), ANFU_MASTER_KEY_FILE: keyFile, ANFU_LOG_LEVEL: 'silent' };
    const run = promisify(execFile);
    const args = ['bin/anfu.js', 'admin', 'create', '--email', 'boss@example.com', '--role', 'owner', '--name', 'Boss'];
    const ok = await run(process.execPath, args, { env, cwd: process.cwd(), timeout: 90_000 });
    const printed = JSON.parse(ok.stdout) as { operator: { email: string; role: string }; one_time_password: string };
    expect([printed.operator.email, printed.operator.role]).toEqual(['boss@example.com', 'owner']);
    expect(printed.one_time_password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    expect(ok.stderr).not.toContain(printed.one_time_password);

    const again = await run(process.execPath, args, { env, cwd: process.cwd(), timeout: 90_000 }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining('operator_email_taken')]);
  }, 180_000);
});
