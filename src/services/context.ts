import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Database } from '../db/schema.ts';
import type { JobBoss } from '../db/jobs.ts';
import type { WechatGateway } from './wechat-gateway.ts';
import type { AlertSettings } from './alerts/alert-settings.ts';
import type { RiskControl } from './risk/risk-control.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * What every use-case receives: the database, the clock, a logger, the per-merchant WeChat clients
 * and the job queue. Built once in app.ts; services never read the environment or see HTTP.
 */
export interface ServiceContext {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  mode: 'sandbox' | 'live';
  /** Public base URL of this gateway (no trailing slash): notify_url and payer return pages hang off it. */
  publicUrl: string;
  wechat: WechatGateway;
  jobs: JobBoss;
  /** Alert cool-down, escalation and channel settings (services/alerts); defaults when absent. */
  alerting?: AlertSettings;
  /** Risk control (rule sets, lists, velocity); absent in contexts built without it (unit tests). */
  risk?: RiskControl;
  /** Envelope encryption for every stored secret (services/custody/secrets.ts). */
  vault: Vault;
}
