import { loadConfigOrExit } from './config/config.ts';
import { createLogger } from './lib/logger.ts';
import { onShutdownSignals } from './lib/shutdown-signals.ts';
import { startSandbox } from './sandbox/start-sandbox.ts';
import { describeSandbox } from './sandbox/banner.ts';

/**
 * `npm start`: the sandbox with no configuration. Logs (JSON) go to stderr; the banner with the URLs
 * goes to stdout. Production runs `anfu serve` instead, which never starts the simulator.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  if (config.mode !== 'sandbox') {
    process.stderr.write('npm start runs the sandbox only (ANFU_MODE=sandbox). For live mode run `anfu serve` (see docs/operations.md).\n');
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, destination: process.stderr });
  const sandbox = await startSandbox({ config, logger });
  process.stdout.write(describeSandbox(sandbox.file, sandbox.filePath, sandbox.app.ctx.vault.currentProvider));
  onShutdownSignals(
    async (signal) => {
      logger.info({ signal }, 'shutting down: readiness off, draining requests, releasing jobs');
      await sandbox.close();
      logger.info('stopped');
    },
    { onError: (e) => logger.error({ err: e }, 'shutdown failed') },
  );
}

await main();
