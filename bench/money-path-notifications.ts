import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { request } from 'undici';
import type { DatabaseHandle } from '../src/db/connect.ts';
import { systemClock, toRfc3339Cst, unixSeconds } from '../src/lib/clock.ts';
import type { RunningSimulator } from '../src/simulator/index.ts';
import { sealResource } from '../src/wechatpay/aead.ts';
import { signResponse } from '../src/wechatpay/response-signer.ts';
import { pool, progress } from './money-path-shared.ts';

/** Part (b) of the money-path bench (issue 3 §10): notification ingestion beside a bare INSERT ceiling. */
export interface NotificationFigures {
  notificationsPerSec?: number;
  insertsPerSec?: number;
  note?: string;
}

/**
 * (b) Pays the orders at the simulator with its own notifications switched off, then sends each
 * TRANSACTION.SUCCESS as WeChat would (sealed with the APIv3 key, signed with WeChat's key) at bounded
 * concurrency. Beside it, the ceiling: bare single-row INSERTs of the same raw bodies, same concurrency.
 */
export async function notifications(sim: RunningSimulator, database: DatabaseHandle, notifyUrl: string, outTradeNos: string[], concurrency: number): Promise<NotificationFigures> {
  const ctl = (path: string, body?: unknown) =>
    request(`${sim.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  progress(`paying ${outTradeNos.length} orders at the simulator, then sending their notifications`);
  await (await ctl('/sim/faults', { notifications: { drop_rate: 1 } })).body.dump();
  const bodies: string[] = [];
  await pool(outTradeNos.length, concurrency, async (i) => {
    const res = await ctl(`/sim/transactions/${outTradeNos[i]}/pay`);
    const tx = (await res.body.json()) as Record<string, unknown>;
    const sealed = sealResource(sim.merchant.apiV3Key, JSON.stringify(tx), { associatedData: 'transaction' });
    bodies[i] = JSON.stringify({
      id: randomUUID(),
      create_time: toRfc3339Cst(Date.now()),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: { original_type: 'transaction', algorithm: sealed.algorithm, ciphertext: sealed.ciphertext, associated_data: 'transaction', nonce: sealed.nonce },
    });
  });
  await (await request(`${sim.baseUrl}/sim/faults`, { method: 'DELETE' })).body.dump();

  let failures = 0;
  const notificationsPerSec = await pool(bodies.length, concurrency, async (i) => {
    const body = bodies[i]!;
    const headers = signResponse(sim.merchant.wechatpayPrivateKey, { serial: sim.sandbox.wechatpay_public_key_id, body, timestamp: unixSeconds(systemClock) });
    const res = await request(notifyUrl, {
      method: 'POST',
      headers: { ...headers, 'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048', 'content-type': 'application/json' },
      body,
    });
    await res.body.dump();
    if (res.statusCode !== 200 && res.statusCode !== 204) failures++;
  });
  if (failures > 0) return { notificationsPerSec: NaN, note: `${failures}/${bodies.length} notifications not acknowledged` };

  await sql`create table bench_bare_insert (id bigserial primary key, received_at timestamptz not null default now(), raw_headers jsonb not null, raw_body text not null)`.execute(database.db);
  const headersJson = JSON.stringify({ 'wechatpay-serial': sim.sandbox.wechatpay_public_key_id });
  const insertsPerSec = await pool(bodies.length, concurrency, async (i) => {
    await sql`insert into bench_bare_insert (raw_headers, raw_body) values (${headersJson}::jsonb, ${bodies[i]!})`.execute(database.db);
  });
  return { notificationsPerSec, insertsPerSec };
}

