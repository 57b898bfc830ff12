import type { Config } from '../config/config.ts';
import { openDatabase, type DatabaseHandle } from './connect.ts';
import { migrateToLatest } from './migrate.ts';

/** Opens the configured database (PostgreSQL if DATABASE_URL is set, else PGlite in the data dir) and migrates it. */
export async function openMigratedDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>): Promise<{ handle: DatabaseHandle; applied: string[] }> {
  const handle = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  try {
    const { applied } = await migrateToLatest(handle.db);
    return { handle, applied };
  } catch (e) {
    await handle.close();
    throw e;
  }
}
