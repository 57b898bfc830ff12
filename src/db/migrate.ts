import type { Kysely } from 'kysely';
import { Migrator, type MigrationResult } from 'kysely/migration';
import { migrations } from './migrations/index.ts';

/**
 * Runs the forward-only migrations to the latest. Safe to call from N nodes starting at once: Kysely's
 * PostgreSQL adapter takes a session-level advisory lock around the run (on PGlite there is one
 * connection anyway), and every migration runs in its own transaction, so a crash leaves none half done.
 */
export const MIGRATION_TABLE = 'anfu_migration';
export const MIGRATION_LOCK_TABLE = 'anfu_migration_lock';

export interface MigrateOutcome {
  applied: string[];
}

export class MigrationError extends Error {
  readonly results: MigrationResult[];
  constructor(message: string, results: MigrationResult[], cause: unknown) {
    super(message, { cause });
    this.name = 'MigrationError';
    this.results = results;
  }
}

function migrator<DB>(db: Kysely<DB>): Migrator {
  return new Migrator({
    // The migrator only touches its own tables and raw SQL; the app's table types do not apply.
    db: db as unknown as Kysely<unknown>,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<MigrateOutcome> {
  const { error, results = [] } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new MigrationError(`migration ${failed?.migrationName ?? '(setup)'} failed: ${message}`, results, error);
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

/** Names of all known migrations with whether each has run (for `anfu migrate --status`). */
export async function migrationStatus<DB>(db: Kysely<DB>): Promise<Array<{ name: string; executedAt: Date | undefined }>> {
  const list = await migrator(db).getMigrations();
  return list.map((m) => ({ name: m.name, executedAt: m.executedAt }));
}
