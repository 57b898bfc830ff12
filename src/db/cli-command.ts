import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { openMigratedDatabase } from './open-from-config.ts';
import { migrationStatus } from './migrate.ts';

/** Adds `anfu migrate`: runs pending migrations on the configured database and prints what ran. */
export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('run pending database migrations (PGlite in ANFU_DATA_DIR, or PostgreSQL at DATABASE_URL)')
    .option('--status', 'also list every migration and when it ran', false)
    .action(async (o: { status: boolean }) => {
      const config = loadConfig();
      const { handle, applied } = await openMigratedDatabase(config);
      try {
        const out: Record<string, unknown> = { backend: handle.kind, applied };
        if (o.status) out.migrations = (await migrationStatus(handle.db)).map((m) => ({ name: m.name, executed_at: m.executedAt?.toISOString() ?? null }));
        process.stdout.write(`${JSON.stringify(out)}\n`);
      } finally {
        await handle.close();
      }
    });
}
