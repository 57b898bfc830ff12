import { describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from './gateway.ts';

/**
 * The log capture every end-to-end gateway runs under (issue 4 §7) must be able to fail: a secret
 * written by the app's own logger, in the clear or Base64-encoded inside a message, fails close().
 */
describe('end-to-end log capture', () => {
  async function paidOpenid(gw: Gateway, key: string): Promise<string> {
    const o = await gw.api('POST', '/v1/payments', { body: { amount: 100, description: 'capture', payer_client_ip: '36.112.9.9' }, idempotencyKey: key });
    expect(o.status).toBe(201);
    const paid = await gw.simPay(o.body.out_trade_no);
    expect(paid.status).toBe(200);
    return paid.body.payer.openid as string;
  }

  it('passes a run that pays', async () => {
    const gw = await startGateway();
    await paidOpenid(gw, 'cap-clean');
    await expect(gw.close()).resolves.toBeUndefined();
  });

  it.each(['API key', 'APIv3 key', 'payer openid'] as const)('fails close() when the app logs the %s, even Base64-encoded', async (leak) => {
    const gw = await startGateway();
    const value = leak === 'API key' ? gw.apiKey : leak === 'APIv3 key' ? gw.sim.sandbox.apiv3_key : await paidOpenid(gw, 'cap-leak');
    const ctx = gw.app.ctx as unknown as { logger: { info(msg: string): void } };
    ctx.logger.info(`debugging: ${Buffer.from(`x${value}`).toString('base64')}`);
    await expect(gw.close()).rejects.toThrow(/logged secrets or personal data/);
  });
});
