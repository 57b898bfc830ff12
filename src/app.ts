import type { FastifyInstance } from 'fastify';
import { createAppMetrics, type AppMetrics } from './metrics/app-metrics.ts';
import { registerDbCollectors } from './metrics/db-collectors.ts';
import { registerMetricsRoute } from './http/routes/metrics.ts';
import { ALERT_NOTIFY_QUEUE } from './services/alerts/notify-queue.ts';
import { startAlertNotifyWorker } from './services/alerts/notify-worker.ts';
import { DEFAULT_ALERT_SETTINGS } from './services/alerts/alert-settings.ts';
import { startMonitorLoop, type MonitorLoop } from './services/monitors/monitor-worker.ts';
import type { Config } from './config/config.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { openDatabase, type DatabaseHandle } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createJobs, startJobs, stopJobs, type JobsOptions } from './db/jobs.ts';
import { buildHttpServer } from './http/server.ts';
import { registerHealthRoutes } from './http/routes/health.ts';
import { registerMerchantApi } from './http/routes/payments.ts';
import type { ServiceContext } from './services/context.ts';
import { WechatGateway } from './services/wechat-gateway.ts';
import { ALL_QUEUES } from './workers/queues.ts';
import { registerNotifyRoute } from './http/routes/notify.ts';
import { registerWebhookAdminRoutes } from './http/routes/webhook-admin.ts';
import { registerAdminApi, type AdminApiOptions } from './http/routes/admin-api.ts';
import { registerConsoleRoutes } from './http/routes/console.ts';
import { moneyEffects } from './services/notifications/money-effects.ts';
import { startWorkers, type RunningWorkers, type WorkerOptions } from './workers/start-workers.ts';
import { startDashboardRollupLoop } from './workers/dashboard-rollup.ts';
import { startRiskControl, RISK_VELOCITY_PSEUDONYM, type RiskSetupOptions } from './services/risk/risk-setup.ts';
import { blindIndexer } from './services/custody/personal-data.ts';
import { startReviewSlaSweeper } from './services/risk/review-sla.ts';
import type { KmsProvider } from './vault/kms-provider.ts';
import { Vault } from './vault/vault.ts';
import { assertKekAllowed } from './vault/kek-policy.ts';
import { previousKeks, resolveKms } from './services/custody/kms-from-config.ts';

/**
 * The composition root: opens the database, migrates, builds the services' context, the HTTP server
 * and the workers, and closes them in the right order. Route and worker modules register here.
 */
export interface AppOverrides {
  logger?: Logger;
  clock?: Clock;
  /** An already-open database (tests); otherwise one is opened from the config. */
  database?: DatabaseHandle;
  jobs?: JobsOptions;
  /** Start background workers (default true). */
  workers?: boolean;
  /** Worker tuning (tests: short sweep and retry intervals). */
  workerOptions?: Omit<WorkerOptions, 'effects'>;
  /** Admin API tuning (tests: tighter login rate limits). */
  admin?: AdminApiOptions;
  /** Risk control (tests: a given velocity store, cache TTL, review SLA sweep period). */
  risk?: Pick<RiskSetupOptions, 'store' | 'cacheTtlMs' | 'redisUrl' | 'redisKeyPrefix'> & { slaSweepMs?: number };
  /** The key-encryption key (tests: a generated development KEK); otherwise resolved from the config. */
  kms?: KmsProvider;
  /** Monitor loop (tests: autoStart false and drive it with `monitors.tickNow()`). */
  monitors?: { intervalMs?: number; autoStart?: boolean };
}

export interface App {
  ctx: ServiceContext;
  server: FastifyInstance;
  database: DatabaseHandle;
  /** Background workers (undefined when started with `workers: false`). */
  workers: RunningWorkers | undefined;
  /** This instance's Prometheus registry and in-process series (GET /metrics). */
  metrics: AppMetrics;
  /** The monitor/escalation loop (undefined when started with `workers: false`). */
  monitors: MonitorLoop | undefined;
  /** Listens on config host/port; resolves to the base URL. */
  listen(): Promise<string>;
  /** Makes /readyz answer 503 so load balancers stop routing here; close() does it too. */
  markDraining(): void;
  /** Graceful shutdown: stop accepting, drain requests, finish or release jobs, close the database. */
  close(): Promise<void>;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const clock = overrides.clock ?? systemClock;
  // Before the database: live mode without an acceptable KEK must not even open it.
  const kms = overrides.kms ? { provider: overrides.kms, source: 'provided by the caller' } : resolveKms(config, { ephemeral: overrides.database !== undefined });
  assertKekAllowed(config.mode, kms.provider);
  const vault = new Vault({ provider: kms.provider, previous: previousKeks(config) });
  logger.info({ kek: kms.provider.kekId, source: kms.source }, 'key-encryption key ready');
  const ownsDatabase = overrides.database === undefined;
  const database =
    overrides.database ??
    (await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir }));
  await migrateToLatest(database.db);
  const jobs = createJobs(database, overrides.jobs);
  // pg-boss emits 'error' for a dropped idle connection or a failed maintenance run; without a
  // listener Node would crash the process on the first one. It recovers by itself: log and go on.
  // Only code and message: pg attaches its client (connection parameters, a password in them) to
  // connection errors, deeper than any redaction path reaches.
  jobs.on('error', (err: Error & { code?: string }) => logger.error({ error: { code: err.code, message: err.message } }, 'job queue error'));
  await startJobs(jobs, ALL_QUEUES);
  await jobs.createQueue(ALERT_NOTIFY_QUEUE);
  const metrics = createAppMetrics();

  const wechat = new WechatGateway({ db: database.db, clock, vault, timeoutMs: config.wechatpayTimeoutMs, onCall: (c) => metrics.observeWechatCall(c) });
  const publicUrl = (config.publicUrl ?? `http://${config.host}:${config.port}`).replace(/\/$/, '');
  const ctx: ServiceContext = { db: database.db, clock, logger, mode: config.mode, publicUrl, wechat, jobs, vault };
  ctx.alerting = { ...DEFAULT_ALERT_SETTINGS, cooldownMs: config.alertCooldownMinutes * 60_000, escalateAfterMs: config.alertEscalateMinutes * 60_000, wecomBaseUrl: config.wecomRobotBaseUrl };
  ctx.risk = await startRiskControl(database.db, {
    redisUrl: config.redisUrl,
    redisKeyPrefix: config.redisKeyPrefix,
    redisPseudonymiser: async () => (await blindIndexer(ctx, database.db)).pseudonymiser(RISK_VELOCITY_PSEUDONYM),
    clock,
    logger,
    onDecision: (d, seconds) => metrics.observeRiskDecision(d, seconds),
    ...overrides.risk,
  });

  const state = { draining: false };
  const server = buildHttpServer({ logger, live: config.mode === 'live', trustProxy: config.trustProxy });
  registerHealthRoutes(server, ctx, state);
  registerMerchantApi(server, ctx);
  registerNotifyRoute(server, ctx, { effects: moneyEffects });
  registerWebhookAdminRoutes(server, ctx);
  registerDbCollectors(metrics, { db: database.db, jobs, queues: [...ALL_QUEUES, ALERT_NOTIFY_QUEUE], now: () => Date.now() });
  registerMetricsRoute(server, metrics, { mode: config.mode, token: config.metricsToken });
  if (config.mode === 'live' && !config.metricsToken) logger.warn('ANFU_METRICS_TOKEN is not set: /metrics answers 401 in live mode');
  registerAdminApi(server, ctx, overrides.admin);
  registerConsoleRoutes(server);
  const workers = overrides.workers === false ? undefined : await startWorkers(ctx, { auditRetentionDays: config.auditRetentionDays, ...overrides.workerOptions, effects: moneyEffects });
  if (overrides.workers !== false) await startAlertNotifyWorker(ctx);
  const monitors = overrides.workers === false ? undefined : startMonitorLoop(ctx, { intervalMs: config.monitorIntervalMs, ...overrides.monitors });
  const reviewSla = overrides.workers === false ? undefined : startReviewSlaSweeper(ctx, overrides.risk?.slaSweepMs);
  const dashboardRollup = overrides.workers === false ? undefined : startDashboardRollupLoop(ctx);

  let closed = false;
  return {
    ctx,
    server,
    database,
    workers,
    metrics,
    monitors,
    async listen() {
      const address = await server.listen({ host: config.host, port: config.port });
      return address.replace('0.0.0.0', '127.0.0.1');
    },
    markDraining() {
      state.draining = true;
    },
    async close() {
      if (closed) return;
      closed = true;
      state.draining = true;
      // Requests in flight finish; a keep-alive connection is closed as soon as it goes idle (Node
      // closes only the connections idle at the moment close() starts, and Fastify keeps idle ones
      // for 72 s: a client that just sent a request — WeChat's notifier — held shutdown that long).
      const idleSweep = setInterval(() => server.server.closeIdleConnections(), 50);
      try {
        await server.close();
      } finally {
        clearInterval(idleSweep);
      }
      await workers?.stop();
      await monitors?.stop();
      await reviewSla?.stop();
      await dashboardRollup?.stop();
      await stopJobs(jobs);
      await ctx.risk?.close();
      await wechat.close();
      if (ownsDatabase) await database.close();
    },
  };
}
