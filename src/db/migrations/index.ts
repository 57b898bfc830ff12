import type { Migration } from 'kysely/migration';
import * as m0001 from './0001_money_path.ts';
import * as m0002 from './0002_custody_and_audit.ts';
import * as m0003 from './0003_operators.ts';
import * as m0004 from './0004_risk.ts';
import * as m0005 from './0005_alerts.ts';
import * as m0006 from './0006_remote_signer.ts';
import * as m0007 from './0007_dashboard_index.ts';
import * as m0008 from './0008_dashboard_rollup.ts';
import * as m0009 from './0009_notification_retry.ts';
import * as m0010 from './0010_drop_redundant_transaction_id_index.ts';

/**
 * Every migration, by name. Names sort in the order they run (`0001_…`, `0002_…`); add new files here.
 * A static list (not a directory scan) so the set is fixed at build time and works from any cwd.
 */
export const migrations: Record<string, Migration> = {
  '0001_money_path': m0001,
  '0002_custody_and_audit': m0002,
  '0003_operators': m0003,
  '0004_risk': m0004,
  '0005_alerts': m0005,
  '0006_remote_signer': m0006,
  '0007_dashboard_index': m0007,
  '0008_dashboard_rollup': m0008,
  '0009_notification_retry': m0009,
  '0010_drop_redundant_transaction_id_index': m0010,
};
