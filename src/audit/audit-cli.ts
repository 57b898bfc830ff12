import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { openMigratedDatabase } from '../db/open-from-config.ts';
import { systemClock } from '../lib/clock.ts';
import { isAppError } from '../lib/errors.ts';
import { purgeExpiredAudit } from './retention.ts';
import { exportAuditHead, verifyAuditLog } from './verify.ts';

/**
 * `anfu audit verify` walks the hash chain and exits 1 naming the first broken entry;
 * `anfu audit head` prints the head hash to anchor elsewhere; `anfu audit purge` applies retention.
 */
export function addAuditCommand(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('verify')
    .description('verify the hash chain; exit code 1 names the first broken entry')
    .option('--expected-head <hash>', 'a head exported earlier: also detects a truncated tail')
    .action((o: { expectedHead?: string }) =>
      withDb(async (db) => {
        const v = await verifyAuditLog(db, o.expectedHead ? { expectedHead: o.expectedHead } : {});
        if (!v.ok) {
          process.stderr.write(`audit chain broken at entry ${v.firstBrokenId ?? `#${v.firstBrokenIndex}`}: ${v.reason}\n`);
          process.exitCode = 1;
        }
        return v;
      }),
    );

  audit
    .command('head')
    .description('print the current head hash (anchor it somewhere the database admins cannot write)')
    .action(() => withDb((db) => exportAuditHead(db)));

  audit
    .command('purge')
    .description('remove entries older than ANFU_AUDIT_RETENTION_DAYS (min 365); the chain stays verifiable')
    .action(() =>
      withDb(async (db) => ({ removed: await purgeExpiredAudit({ db, clock: systemClock }, loadConfig().auditRetentionDays) })),
    );
}

async function withDb(fn: (db: Awaited<ReturnType<typeof openMigratedDatabase>>['handle']['db']) => Promise<unknown>): Promise<void> {
  const { handle } = await openMigratedDatabase(loadConfig());
  try {
    process.stdout.write(`${JSON.stringify(await fn(handle.db), null, 2)}\n`);
  } catch (e) {
    if (!isAppError(e)) throw e;
    process.stderr.write(`error: ${e.code}: ${e.message}\n`);
    process.exitCode = 1;
  } finally {
    await handle.close();
  }
}
