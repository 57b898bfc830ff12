import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { findLeaks, type WatchedSecret } from '../helpers/leak-scan.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { merchantInputFromSimulatorSandbox } from '../../src/services/merchants/simulator-import.ts';
import { openSecret, secretIds } from '../../src/services/custody/secrets.ts';
import { revealPayerOpenid } from '../../src/services/custody/reveal-personal-data.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';

/**
 * Issue 4 §7: run the money path end to end with every log line captured, then fail if any secret
 * or raw personal datum appears in the logs or anywhere in the database.
 */
describeEachDb('hygiene: no secret or personal datum in logs or in the database', (t) => {
  let gw: Gateway;
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs += chunk.toString('utf8');
      cb();
    },
  });

  beforeAll(async () => {
    gw = await startGateway({
      database: t.handle,
      overrides: { logger: createLogger({ level: 'trace', destination: sink }), workerOptions: { sweepIntervalMs: 200, pollingIntervalSeconds: 0.5 } },
    });
  }, 60_000);
  afterAll(async () => gw?.close());

  it('pays, is notified, refunds, rotates the webhook secret — and nothing secret is logged or stored in clear', async () => {
    const created = await gw.api('POST', '/v1/payments', { body: { amount: 500, description: 'Hygiene 卫生', payer_client_ip: '36.112.10.8' }, idempotencyKey: 'hyg-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await gw.simPay(created.body.out_trade_no)).status).toBe(200);
    let paid: Gateway extends never ? never : { status: number; body: { status: string; payer_openid: string | null } } | undefined;
    for (let i = 0; i < 100; i++) {
      paid = await gw.api('GET', `/v1/payments/${created.body.id}`);
      if (paid?.body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(paid!.body.status).toBe('succeeded');
    const refund = await gw.api('POST', `/v1/payments/${created.body.id}/refunds`, { body: { amount: 200 }, idempotencyKey: 'hyg-r1' });
    expect(refund.status, JSON.stringify(refund.body)).toBeLessThan(300);
    const rotated = await gw.api('POST', '/v1/webhook-endpoint/rotate-secret');
    expect(rotated.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));

    const ctx = gw.app.ctx;
    const reader = { actor: { type: 'operator' as const, id: 'op_hygiene' }, reason: 'hygiene test' };
    await expect(revealPayerOpenid(ctx, 'mer_someoneelse', created.body.id, reader)).rejects.toMatchObject({ code: 'payment_not_found' });
    const openid = (await revealPayerOpenid(ctx, gw.merchant.id, created.body.id, reader))!;
    expect(openid.length).toBeGreaterThan(8);
    // The view shows only a mask.
    expect(paid!.body.payer_openid).not.toBe(openid);
    expect(paid!.body.payer_openid).toMatch(/\*{4}$/);

    const input = await merchantInputFromSimulatorSandbox(gw.sim.sandboxPath);
    const pemBody = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const watched: WatchedSecret[] = [
      { label: 'APIv3 key', value: input.apiv3Key },
      { label: 'merchant private key (DER)', value: pemBody(input.merchantPrivateKeyPem) },
      { label: 'merchant API key', value: gw.apiKey },
      { label: 'webhook secret (rotated in)', value: rotated.body.secret },
      { label: 'webhook secret (previous)', value: (await openSecret(ctx, secretIds.webhookSecretPrevious(gw.merchant.id))).reveal() },
      { label: 'payer openid', value: openid },
    ];
    expect(logs.length).toBeGreaterThan(0);
    expect(findLeaks(logs, watched), 'secrets found in the logs').toEqual([]);

    // Every column of every table, as JSON text (bytea appears hex-encoded, which the scan covers).
    const tables = await sql<{ schemaname: string; tablename: string }>`
      SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`.execute(t.db);
    let dump = '';
    for (const { schemaname, tablename } of tables.rows) {
      const rows = await sql<{ j: string }>`SELECT row_to_json(x)::text AS j FROM ${sql.table(`${schemaname}.${tablename}`)} x`.execute(t.db);
      dump += rows.rows.map((r) => r.j).join('\n');
    }
    expect(dump).toContain(gw.merchant.id);
    expect(findLeaks(dump, watched), 'secrets stored in plaintext').toEqual([]);
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
    const actions = (await t.db.selectFrom('audit_log').select('action').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['merchant.created', 'api_key.created', 'refund.created', 'webhook_secret.rotated', 'pii.revealed']));
    const rotation = await t.db.selectFrom('audit_log').selectAll().where('action', '=', 'webhook_secret.rotated').executeTakeFirstOrThrow();
    expect(rotation).toMatchObject({ actor_type: 'merchant_api_key', merchant_id: gw.merchant.id, outcome: 'success' });
    expect(rotation.actor_id).toMatch(/^key_/);
  }, 90_000);
});
