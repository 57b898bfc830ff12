import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { generateWebhookSecret, signWebhook } from '../../webhooks/signing.ts';
import { buildHttpServer } from '../server.ts';
import { registerDemoWebhookRoutes } from './demo-webhooks.ts';

const NOW = 1_800_000_000;

function setup(secrets: string[]) {
  const app = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
  registerDemoWebhookRoutes(app, { secrets: async () => secrets, nowSeconds: () => NOW, limit: 3 });
  return app;
}

describe('demo webhook receiver', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { id: 'pay_1' } });

  it('accepts a Standard Webhooks signature and lists the event as verified', async () => {
    const app = setup([secret]);
    const headers = signWebhook([secret], 'msg_1', NOW, body);
    const res = await app.inject({ method: 'POST', url: '/demo/webhooks', headers: { ...headers, 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).toBe(204);
    const list = (await app.inject({ url: '/demo/webhooks' })).json() as { data: Array<Record<string, unknown>> };
    expect(list.data[0]).toMatchObject({ webhook_id: 'msg_1', type: 'payment.succeeded', verified: true, event: JSON.parse(body) });
  });

  it('accepts what the standardwebhooks library signs (interoperability)', async () => {
    const app = setup([secret]);
    const sig = new Webhook(secret).sign('msg_2', new Date(NOW * 1000), body);
    const res = await app.inject({
      method: 'POST',
      url: '/demo/webhooks',
      headers: { 'webhook-id': 'msg_2', 'webhook-timestamp': String(NOW), 'webhook-signature': sig, 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(204);
  });

  it('rejects a tampered body, a stale timestamp and a foreign secret, listing them as unverified without the body', async () => {
    const app = setup([secret]);
    const good = signWebhook([secret], 'msg_3', NOW, body);
    const cases = [
      { headers: good, payload: body.replace('pay_1', 'pay_2') },
      { headers: signWebhook([secret], 'msg_4', NOW - 301, body), payload: body },
      { headers: signWebhook([generateWebhookSecret()], 'msg_5', NOW, body), payload: body },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: 'POST', url: '/demo/webhooks', headers: { ...c.headers, 'content-type': 'application/json' }, payload: c.payload });
      expect(res.statusCode).toBe(401);
    }
    const list = (await app.inject({ url: '/demo/webhooks' })).json() as { data: Array<Record<string, unknown>> };
    expect(list.data.map((d) => [d.webhook_id, d.verified, d.reason])).toEqual([
      ['msg_5', false, 'no_matching_signature'],
      ['msg_4', false, 'timestamp_out_of_window'],
      ['msg_3', false, 'no_matching_signature'],
    ]);
    expect(list.data.every((d) => d.event === undefined)).toBe(true);
  });
});
