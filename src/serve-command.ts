import type { Command } from 'commander';
import { loadConfigOrExit, type Config } from './config/config.ts';
import { createApp } from './app.ts';
import { createLogger } from './lib/logger.ts';
import { onShutdownSignals } from './lib/shutdown-signals.ts';
import { classifyAddress, isIpLiteral } from './net/ip.ts';
import { registerPayerPages } from './http/routes/pay-return.ts';
import { listMerchants } from './services/merchants/merchants.ts';
import type { Merchant } from './domain/merchant.ts';

/**
 * `anfu serve`: the gateway with production configuration — no simulator, no demo routes, no
 * sandbox.json. In live mode it refuses to start on sandbox defaults, listing every problem at once:
 * money must not flow to a loopback "WeChat" or back over plain http.
 */
export interface ServeProblem {
  code: string;
  message: string;
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || (isIpLiteral(h) && classifyAddress(h) !== 'public');
}

/** Configuration problems that make a live start unsafe (pure; the merchants are read by the caller). */
export function liveStartProblems(config: Config, merchants: readonly Merchant[]): ServeProblem[] {
  if (config.mode !== 'live') return [];
  const problems: ServeProblem[] = [];
  if (!config.publicUrl) {
    problems.push({ code: 'public_url_required', message: 'ANFU_PUBLIC_URL is required in live mode (the https URL WeChat sends notifications to).' });
  } else {
    const u = new URL(config.publicUrl);
    if (u.protocol !== 'https:') problems.push({ code: 'public_url_not_https', message: 'ANFU_PUBLIC_URL must be https in live mode: WeChat only notifies https URLs.' });
    if (isLoopbackHost(u.hostname)) problems.push({ code: 'public_url_not_public', message: 'ANFU_PUBLIC_URL must be a public host name, not localhost or a private address.' });
  }
  const live = merchants.filter((m) => m.mode === 'live' && m.disabledAt === null);
  if (live.length === 0) {
    problems.push({ code: 'no_live_merchant', message: 'No live merchant with real credentials exists: add one with `anfu merchant add --mode live …` first.' });
  }
  for (const m of merchants) {
    if (m.disabledAt !== null) continue;
    for (const url of [m.wechatApiBaseUrl, m.wechatApiBackupUrl]) {
      if (!url) continue;
      const u = new URL(url);
      if (u.protocol !== 'https:' || isLoopbackHost(u.hostname)) {
        problems.push({
          code: 'merchant_points_at_simulator',
          message: `Merchant ${m.id} (${m.name}) talks to ${u.origin}, not WeChat Pay over https (a local simulator?): disable it or fix its API base URL.`,
        });
      }
    }
  }
  return problems;
}

export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the gateway with production configuration (env: ANFU_MODE, ANFU_PUBLIC_URL, DATABASE_URL, …)')
    .option('--drain-ms <ms>', 'after SIGTERM, keep serving with /readyz at 503 this long so load balancers notice', (v) => Number.parseInt(v, 10), 0)
    .action(async (o: { drainMs: number }) => {
      const config: Config = loadConfigOrExit(process.env);
      const logger = createLogger({ level: config.logLevel });
      const app = await createApp(config, { logger });
      const problems = liveStartProblems(config, await listMerchants(app.ctx));
      if (problems.length > 0) {
        await app.close();
        process.stderr.write(`anfu serve refuses to start in live mode:\n${problems.map((p) => `  - [${p.code}] ${p.message}`).join('\n')}\n`);
        process.exit(1);
      }
      if (config.mode === 'live' && !config.databaseUrl) logger.warn('live mode on PGlite: one node only, no failover; set DATABASE_URL for PostgreSQL');
      registerPayerPages(app.server, app.ctx);
      const url = await app.listen();
      logger.info({ url, mode: config.mode, database: app.database.kind }, 'anfu gateway listening');
      onShutdownSignals(
        async (signal) => {
          logger.info({ signal, drainMs: o.drainMs }, 'shutting down: readiness off, draining');
          app.markDraining();
          if (o.drainMs > 0) await new Promise((r) => setTimeout(r, o.drainMs));
          await app.close();
          logger.info('stopped');
        },
        { onError: (e) => logger.error({ err: e }, 'shutdown failed'), timeoutMs: 30_000 + Math.max(0, o.drainMs) },
      );
    });
}
