import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { createJobs, startJobs, stopJobs, type JobBoss } from '../../db/jobs.ts';
import { systemClock } from '../../lib/clock.ts';
import { QUEUES } from '../../workers/queues.ts';
import { emitEvent } from './emit-event.ts';

describeEachDb('transactional outbox', (t) => {
  let jobs: JobBoss;
  beforeAll(async () => {
    jobs = createJobs(t.handle, { supervise: false, schedule: false });
    await startJobs(jobs, [QUEUES.webhookDeliver]);
  });
  afterAll(async () => {
    await stopJobs(jobs, 1000);
  });

  it('records one event and one delivery job per business fact, however often it is observed', async () => {
    const m = await createTestMerchant(t.db);
    const ctx = { jobs, clock: systemClock };
    const first = await t.db.transaction().execute((trx) => emitEvent(ctx, trx, { merchantId: m.id, type: 'payment.succeeded', dedupKey: 'payment.succeeded:pay_X1', data: { id: 'pay_X1' } }));
    const again = await t.db.transaction().execute((trx) => emitEvent(ctx, trx, { merchantId: m.id, type: 'payment.succeeded', dedupKey: 'payment.succeeded:pay_X1', data: { id: 'pay_X1' } }));
    expect(first?.id).toMatch(/^evt_/);
    expect(again).toBeUndefined();
    const rows = await t.db.selectFrom('outbox_events').selectAll().where('dedup_key', '=', 'payment.succeeded:pay_X1').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.payload).toMatchObject({ type: 'payment.succeeded', data: { id: 'pay_X1' } });
    const queued = await jobs.fetch<{ eventId: string }>(QUEUES.webhookDeliver, { batchSize: 10 });
    expect(queued.map((j) => j.data.eventId)).toEqual([first?.id]);
  });

  it('leaves neither event nor job behind when the business transaction rolls back', async () => {
    const m = await createTestMerchant(t.db);
    const ctx = { jobs, clock: systemClock };
    await expect(
      t.db.transaction().execute(async (trx) => {
        await emitEvent(ctx, trx, { merchantId: m.id, type: 'payment.closed', dedupKey: 'payment.closed:pay_RB', data: {} });
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('state change failed');
    expect(await t.db.selectFrom('outbox_events').selectAll().where('dedup_key', '=', 'payment.closed:pay_RB').execute()).toHaveLength(0);
    expect(await jobs.fetch(QUEUES.webhookDeliver, { batchSize: 10 })).toHaveLength(0);
  });
});
