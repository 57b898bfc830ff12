import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { loadLogLevel } from '../config/config.ts';
import { startSimulator } from './index.ts';
import { DEFAULT_RATE_LIMITS, parseRateLimits, type RateLimits } from './rate-limit.ts';

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function rateLimits(v: string, previous: RateLimits | undefined): RateLimits {
  try {
    const next = parseRateLimits([v]);
    // Named families replace WeChat's defaults one by one; "off" clears every limit.
    return v === 'off' ? {} : { ...(previous ?? DEFAULT_RATE_LIMITS), ...next };
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 = any free port)');
  return n;
}

/** Adds `anfu simulator` to the program. */
export function addSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('run a local WeChat Pay APIv3 simulator (sandbox merchant, cashier, notifications)')
    .option('--port <port>', 'port to listen on (0 = any free port)', port, 0)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--state-dir <dir>', 'where sandbox.json, keys and state live', './data/simulator')
    .addOption(new Option('--key-mode <mode>', 'how answers are signed').choices(['public-key', 'certificate', 'both']).default('public-key'))
    .option('--time-scale <n>', 'speed-up of notification retries and refund delays', positiveNumber, 1)
    .option('--refund-delay <seconds>', 'simulated seconds a refund stays PROCESSING', positiveNumber, 60)
    .option('--allow-http-notify-url', 'accept http:// notify_url (WeChat demands https)', false)
    .option('--h5-domain <domain...>', 'extra H5 payment domains besides 127.0.0.1 and localhost')
    .option('--rate-limit <family=perSecond>', 'per-merchant requests/s before 429 FREQUENCY_LIMITED, repeatable (default order=500 refund-query=300, as WeChat documents; "off" for none)', rateLimits)
    .action(async (o: { port: number; host: string; stateDir: string; keyMode: 'public-key' | 'certificate' | 'both'; timeScale: number; refundDelay: number; allowHttpNotifyUrl: boolean; h5Domain?: string[]; rateLimit?: RateLimits }) => {
      // Logs go to stderr: stdout carries only the one JSON line that scripts read.
      const logger = pino({ level: loadLogLevel() }, pino.destination(2));
      const sim = await startSimulator({
        port: o.port,
        host: o.host,
        stateDir: o.stateDir,
        keyMode: o.keyMode,
        timeScale: o.timeScale,
        refundDelaySeconds: o.refundDelay,
        allowHttpNotifyUrl: o.allowHttpNotifyUrl,
        h5Domains: o.h5Domain ?? [],
        ...(o.rateLimit ? { rateLimits: o.rateLimit } : {}),
        logger,
      });
      process.stdout.write(`${JSON.stringify({ base_url: sim.baseUrl, sandbox: sim.sandboxPath, mchid: sim.sandbox.mchid, key_mode: sim.keyMode })}\n`);
      const stop = (): void => {
        void sim.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
