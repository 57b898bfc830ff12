import type { Command } from 'commander';
import { loadConfig } from '../../config/config.ts';
import { compactDeltas, pendingDeltaCount, rebuildRollup, rollupMismatches } from '../../db/dashboard-rollup.ts';
import { openMigratedDatabase } from '../../db/open-from-config.ts';

/**
 * `anfu dashboard verify|compact|rebuild`: the dashboard's daily roll-up (migration 0008).
 * - `verify` compares roll-up + pending deltas with a direct aggregate over `payments`, per Shanghai day
 *   and merchant, in one snapshot; exit code 1 lists the differing pairs.
 * - `compact` folds the pending deltas now (the gateway does it every 10 s).
 * - `rebuild` recomputes the roll-up from `payments` (writes to payments wait meanwhile).
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function addDashboardCommand(program: Command): void {
  const dashboard = program.command('dashboard').description('the console dashboard’s daily roll-up');

  dashboard
    .command('verify')
    .description('compare the roll-up with payments, per Shanghai day and merchant; exit code 1 on a difference')
    .option('--from <YYYY-MM-DD>', 'first Shanghai day to check (default: all)')
    .option('--to <YYYY-MM-DD>', 'last Shanghai day to check (default: all)')
    .action((o: { from?: string; to?: string }) =>
      withDb(async (db) => {
        for (const d of [o.from, o.to]) if (d !== undefined && !DAY.test(d)) throw new Error('--from/--to take a day: YYYY-MM-DD');
        const mismatches = await rollupMismatches(db, { ...(o.from ? { fromDay: o.from } : {}), ...(o.to ? { toDay: o.to } : {}) });
        if (mismatches.length > 0) process.exitCode = 1;
        return { ok: mismatches.length === 0, pending_deltas: await pendingDeltaCount(db), mismatches: mismatches.slice(0, 100), mismatch_count: mismatches.length };
      }),
    );

  dashboard
    .command('compact')
    .description('fold the pending deltas into the roll-up now')
    .action(() => withDb(async (db) => compactDeltas(db, { maxBatches: 1_000 })));

  dashboard
    .command('rebuild')
    .description('recompute the roll-up from payments (repair); writes to payments wait until it commits')
    .action(() => withDb(async (db) => rebuildRollup(db)));
}

async function withDb(fn: (db: Awaited<ReturnType<typeof openMigratedDatabase>>['handle']['db']) => Promise<unknown>): Promise<void> {
  const { handle } = await openMigratedDatabase(loadConfig());
  try {
    process.stdout.write(`${JSON.stringify(await fn(handle.db), null, 2)}\n`);
  } finally {
    await handle.close();
  }
}
