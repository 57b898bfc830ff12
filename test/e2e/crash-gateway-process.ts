import { loadConfig } from '../../src/config/config.ts';
import { createApp } from '../../src/app.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createPaymentTestHooks } from '../../src/services/payments/create-payment.ts';

/**
 * The gateway as its own process for the crash test (test/e2e/crash-*.test.ts). With
 * ANFU_TEST_CRASH_AFTER_WECHAT_CALL=1 it SIGKILLs itself after WeChat accepted an order and before
 * the answer is recorded — the worst moment for a crash. The hook lives in this test entry only; the
 * production entries never read that variable. Prints one JSON line `{"url": …}` once listening.
 */
const config = loadConfig(process.env);
if (process.env.ANFU_TEST_CRASH_AFTER_WECHAT_CALL === '1') {
  createPaymentTestHooks.afterWechatCall = () => {
    process.kill(process.pid, 'SIGKILL');
    // SIGKILL is delivered asynchronously; never let the record happen meanwhile.
    return new Promise<void>(() => undefined);
  };
}
const app = await createApp(config, { logger: createLogger({ level: 'silent' }) });
const url = await app.listen();
process.stdout.write(`${JSON.stringify({ url })}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
