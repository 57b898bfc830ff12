import { describe, expect, it } from 'vitest';
import { freshPayerIp, startGateway } from '../helpers/gateway.ts';

/**
 * Shutdown right after WeChat's notifier has sent a notification over a keep-alive connection. The
 * notification is answered, then its connection sits idle; Node closes only the connections idle
 * when close() starts, so without the app's idle sweep close() waited for Fastify's 72 s keep-alive.
 */
describe('shutdown with a notification just answered', () => {
  it('closes promptly once the notification is answered', async () => {
    const gw = await startGateway();
    let closed = false;
    try {
      const created = await gw.api('POST', '/v1/payments', { body: { amount: 100, description: 'shutdown', payer_client_ip: freshPayerIp() }, idempotencyKey: 'shut-1' });
      expect(created.status).toBe(201);
      expect((await gw.simPay(created.body.out_trade_no)).status).toBe(200);
      const outcome = await Promise.race([gw.app.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open after 15 s'), 15_000).unref())]);
      expect(outcome).toBe('closed');
      closed = true;
    } finally {
      if (!closed) await gw.app.close();
      await gw.close();
    }
  });
});
