import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import { createApp, type App, type AppOverrides } from '../app.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { unixSeconds } from '../lib/clock.ts';
import { startSimulator, type RunningSimulator } from '../simulator/index.ts';
import { loadMerchantCredentials } from '../services/merchants/merchants.ts';
import { registerPayerPages } from '../http/routes/pay-return.ts';
import { registerDemoShopRoutes } from '../http/routes/demo-shop.ts';
import { registerDemoWebhookRoutes } from '../http/routes/demo-webhooks.ts';
import { ensureDemoMerchant } from './demo-merchant.ts';
import { createDemoPayment } from './demo-payment.ts';
import { ensureSandboxAdmin } from './sandbox-admin.ts';
import { freePort } from './free-port.ts';
import { readSandboxFile, writeSandboxFile, type SandboxFile } from './sandbox-file.ts';

/**
 * The two-command sandbox (`npm install && npm start`): a WeChat Pay simulator in-process, the gateway
 * on PGlite in the data dir, a demo merchant wired to the simulator, the demo shop and webhook inbox,
 * and `<data dir>/sandbox.json` describing it all. `src/main.ts` calls this; tests call it on port 0.
 */
export interface SandboxOptions {
  config: Config;
  logger?: Logger;
  app?: AppOverrides;
}

export interface RunningSandbox {
  app: App;
  simulator: RunningSimulator;
  file: SandboxFile;
  filePath: string;
  /** Readiness goes 503 first, then: stop accepting, drain requests, release jobs, close DB, simulator. */
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1']);

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  if (opts.config.mode !== 'sandbox') throw new Error('startSandbox runs in sandbox mode only; use `anfu serve` for live mode');
  const dataDir = resolve(opts.config.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const logger = opts.logger ?? createLogger({ level: opts.config.logLevel });

  // The gateway's own URL goes into notify_url and the demo webhook URL, so its port is fixed first.
  const port = opts.config.port === 0 ? await freePort(opts.config.host) : opts.config.port;
  const config: Config = { ...opts.config, dataDir, port };
  const listenHost = LOOPBACK_NAMES.has(config.host) ? '127.0.0.1' : config.host;
  const gatewayUrl = (config.publicUrl ?? `http://${listenHost}:${port}`).replace(/\/$/, '');
  const publicHost = new URL(gatewayUrl).hostname;

  // The cashier checks the Referer (the gateway's pages) and redirect_url (the return page) against
  // the H5 domains: the simulator always has 127.0.0.1 and localhost; add the public host if other.
  const simulator = await startSimulator({
    port: config.simulatorPort,
    host: '127.0.0.1',
    stateDir: join(dataDir, 'simulator'),
    keyMode: 'public-key',
    timeScale: config.simulatorTimeScale,
    allowHttpNotifyUrl: true,
    h5Domains: LOOPBACK_NAMES.has(publicHost) ? [] : [publicHost],
    logger: false,
  });

  let app: App | undefined;
  try {
    app = await createApp({ ...config, publicUrl: gatewayUrl }, { logger, ...opts.app });
    const ctx = app.ctx;
    const previous = await readSandboxFile(dataDir);
    const demo = await ensureDemoMerchant(ctx, {
      simulatorSandboxPath: simulator.sandboxPath,
      webhookUrl: `${gatewayUrl}/demo/webhooks`,
      ...(previous ? { previousApiKey: previous.merchant_api_key } : {}),
    });

    const admin = await ensureSandboxAdmin(ctx, previous);

    registerPayerPages(app.server, ctx, { retryUrlFor: (merchantId) => (merchantId === demo.merchantId ? `${gatewayUrl}/demo` : null) });
    const server = app.server;
    registerDemoShopRoutes(server, {
      createPayment: (req) => createDemoPayment(server, demo.apiKey, req),
      returnUrl: (id) => `${gatewayUrl}/pay/return/${id}`,
    });
    registerDemoWebhookRoutes(server, {
      secrets: async () => (await loadMerchantCredentials(ctx, demo.merchantId)).webhookSecrets.map((s) => s.reveal()),
      nowSeconds: () => unixSeconds(ctx.clock),
    });

    await app.listen();
    const file: SandboxFile = {
      gateway_url: gatewayUrl,
      simulator_url: simulator.baseUrl,
      simulator_sandbox: simulator.sandboxPath,
      merchant_id: demo.merchantId,
      merchant_api_key: demo.apiKey,
      demo_shop_url: `${gatewayUrl}/demo`,
      webhook_inbox_url: `${gatewayUrl}/demo/webhooks`,
      console_url: `${gatewayUrl}/console`,
      admin_email: admin.email,
      admin_password: admin.password,
      admin_totp_secret: admin.totpSecret,
    };
    const filePath = await writeSandboxFile(dataDir, file);
    const running = app;
    let closing: Promise<void> | undefined;
    return {
      app: running,
      simulator,
      file,
      filePath,
      close() {
        closing ??= (async () => {
          try {
            await running.close();
          } finally {
            await simulator.close();
          }
        })();
        return closing;
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await simulator.close().catch(() => undefined);
    throw e;
  }
}
