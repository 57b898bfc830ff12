import { afterAll, beforeAll, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { setWebhookUrl } from '../../src/db/webhook-endpoints.ts';
import type { Merchant } from '../../src/domain/merchant.ts';
import { emitEvent } from '../../src/services/events/emit-event.ts';
import { createApiKey } from '../../src/services/merchants/api-keys.ts';
import { deliverEvent } from '../../src/services/webhooks/deliver-webhook.ts';
import { describeEachDb } from '../helpers/db.ts';
import { currentWebhookSecret, createTestMerchant } from '../helpers/merchant.ts';
import { startReceiver, waitFor, type ReceivedWebhook, type WebhookReceiver } from '../helpers/notify-fixtures.ts';

/**
 * Merchant webhooks end to end: outbox event → webhook-deliver worker → a receiver on loopback (the
 * app is in sandbox mode, the only mode where loopback is allowed), the delivery log and the admin API.
 */
describeEachDb('merchant webhooks', (t) => {
  let app: App;
  let merchant: Merchant;
  let apiKey: string;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    app = await createApp(loadConfig({}, { port: 0 }), {
      logger: createLogger({ level: 'silent' }),
      database: t.handle,
      jobs: { supervise: false, schedule: false },
      workerOptions: { sweepIntervalMs: 60_000, pollingIntervalSeconds: 0.5, webhooks: { retryDelaysMs: [300, 600, 900], random: () => 0.5 } },
    });
    merchant = await createTestMerchant(t.db, { webhookUrl: receiver.url });
    apiKey = (await createApiKey({ db: t.db, clock: app.ctx.clock }, merchant.id)).token;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await receiver?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    app.server.inject({ method, url, headers: { authorization: `Bearer ${apiKey}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });

  let seq = 0;
  const emit = async (): Promise<string> => {
    const ev = await t.db.transaction().execute((trx) =>
      emitEvent(app.ctx, trx, { merchantId: merchant.id, type: 'payment.succeeded', dedupKey: `test:${Date.now()}:${seq++}`, data: { payment: { id: `pay_test${seq}` } } }),
    );
    return ev!.id;
  };
  const hooksFor = (eventId: string): ReceivedWebhook[] => receiver.received.filter((r) => r.headers['webhook-id'] === eventId);
  const hdrs = (r: ReceivedWebhook) => ({
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });

  it('retries a failing endpoint with backoff, records every attempt, then succeeds', async () => {
    receiver.respond.status = 500;
    const id = await emit();
    await waitFor(() => hooksFor(id).length >= 3);
    receiver.respond.status = 200;
    const res = await waitFor(async () => {
      const r = await api('GET', `/v1/events/${id}/deliveries`);
      const data = r.json().data as Array<{ status: string }>;
      return data.some((d) => d.status === 'succeeded') ? data : undefined;
    });
    expect(res.map((d) => d.status)).toEqual(['failed', 'failed', 'failed', 'succeeded'].slice(0, res.length));
    const failed = res.filter((d) => d.status === 'failed') as unknown as Array<{ response_status: number; error: string; next_attempt_at: string; created_at: string }>;
    expect(failed.every((f) => f.response_status === 500 && f.error === 'http_500')).toBe(true);
    // Each failure scheduled the next try later than the previous gap (300 → 600 → 900 ms).
    const gaps = failed.map((f) => Date.parse(f.next_attempt_at) - Date.parse(f.created_at));
    expect(gaps).toEqual([300, 600, 900].slice(0, gaps.length));
    const event = (await api('GET', `/v1/events/${id}`)).json();
    expect(event).toMatchObject({ id, type: 'payment.succeeded' });
  });

  it('abandons an event once the schedule is exhausted, and a manual redelivery sends it again', async () => {
    receiver.respond.status = 503;
    const id = await emit();
    const log = await waitFor(async () => {
      const data = (await api('GET', `/v1/events/${id}/deliveries`)).json().data as Array<{ status: string }>;
      return data.some((d) => d.status === 'abandoned') ? data : undefined;
    });
    expect(log.map((d) => d.status)).toEqual(['failed', 'failed', 'failed', 'abandoned']);
    receiver.respond.status = 200;
    const r = await api('POST', `/v1/events/${id}/redeliver`);
    expect(r.statusCode).toBe(202);
    await waitFor(async () => ((await api('GET', `/v1/events/${id}/deliveries`)).json().data as Array<{ status: string }>).some((d) => d.status === 'succeeded'));
    const last = hooksFor(id).at(-1)!;
    const secret = await currentWebhookSecret(t.db, merchant.id);
    expect(() => new Webhook(secret).verify(last.body, hdrs(last))).not.toThrow();
  });

  it('answers 404 for an event of another merchant', async () => {
    const other = await createTestMerchant(t.db);
    const ev = await t.db.transaction().execute((trx) =>
      emitEvent(app.ctx, trx, { merchantId: other.id, type: 'payment.closed', dedupKey: `other:${Date.now()}`, data: {} }),
    );
    expect((await api('GET', `/v1/events/${ev!.id}`)).statusCode).toBe(404);
    expect((await api('POST', `/v1/events/${ev!.id}/redeliver`)).statusCode).toBe(404);
  });

  it('signs with both secrets during a rotation; the new secret is shown once', async () => {
    const before = await currentWebhookSecret(t.db, merchant.id);
    const rot = await api('POST', '/v1/webhook-endpoint/rotate-secret');
    expect(rot.statusCode).toBe(200);
    const { secret, previous_secret_expires_at } = rot.json() as { secret: string; previous_secret_expires_at: string };
    expect(secret).toMatch(/^whsec_/);
    expect(Date.parse(previous_secret_expires_at) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect((await api('GET', '/v1/webhook-endpoint')).json()).toEqual({ url: receiver.url, previous_secret_expires_at });

    const id = await emit();
    const [hook] = await waitFor(() => (hooksFor(id).length ? hooksFor(id) : undefined));
    expect(String(hook!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    // A receiver still on the old secret and one already on the new secret both verify it.
    expect(() => new Webhook(before).verify(hook!.body, hdrs(hook!))).not.toThrow();
    expect(() => new Webhook(secret).verify(hook!.body, hdrs(hook!))).not.toThrow();
    expect(JSON.parse(hook!.body)).toMatchObject({ id, type: 'payment.succeeded', data: { payment: { id: expect.any(String) } } });
  });

  it('does not follow redirects: a 3xx is a failed attempt and the target is never called', async () => {
    const target = await startReceiver('/inner');
    try {
      receiver.respond.status = 302;
      receiver.respond.location = target.url;
      const id = await emit();
      const log = await waitFor(async () => {
        const data = (await api('GET', `/v1/events/${id}/deliveries`)).json().data as Array<{ error: string; response_status: number }>;
        return data.length ? data : undefined;
      });
      expect(log[0]).toMatchObject({ response_status: 302, error: 'redirect_not_followed' });
      expect(target.received).toEqual([]);
    } finally {
      receiver.respond.status = 200;
      delete receiver.respond.location;
      await target.close();
    }
  });

  it('refuses endpoints that are not https on a public host when set', async () => {
    for (const [url, code] of [
      ['http://shop.example.com/hooks', 'url_must_be_https'],
      ['https://10.0.0.5/hooks', 'url_host_not_public'],
      ['https://169.254.169.254/latest/meta-data', 'url_host_not_public'],
      ['https://user:pw@shop.example.com/hooks', 'url_credentials_not_allowed'],
    ] as const) {
      const r = await api('PUT', '/v1/webhook-endpoint', { url });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.code, url).toBe(code);
    }
    expect((await api('GET', '/v1/webhook-endpoint')).json().url).toBe(receiver.url);
  });

  it('in live mode refuses loopback, private and plain-http endpoints at delivery time, sending nothing', async () => {
    const live = { ...app.ctx, mode: 'live' as const };
    const id = await emit();
    await waitFor(() => hooksFor(id).length === 1);
    const cases: Array<[string, string[], string]> = [
      [receiver.url, [], 'url_must_be_https'],
      ['https://127.0.0.1:1/hooks', [], 'url_host_not_public'],
      ['https://hooks.shop.example/in', ['192.168.1.20'], 'url_host_not_public'],
      ['https://hooks.shop.example/in', ['::1'], 'url_host_not_public'],
    ];
    try {
      for (const [url, addresses, code] of cases) {
        await setWebhookUrl(t.db, merchant.id, url, new Date());
        const before = receiver.received.length;
        const r = await deliverEvent(live, { eventId: id, try: 1, manual: true }, { resolve: async () => addresses, retryDelaysMs: [1000] });
        expect(r, url).toMatchObject({ status: 'failed', error: code });
        expect(receiver.received.length).toBe(before);
      }
    } finally {
      await setWebhookUrl(t.db, merchant.id, receiver.url, new Date());
    }
  });
});
