import { beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../../test/helpers/db.ts';
import { createTestMerchant } from '../../test/helpers/merchant.ts';
import {
  claimNotification,
  claimStuckNotifications,
  deferNotification,
  deferralDelayMs,
  insertReceivedNotification,
  insertVerifiedNotifications,
  type NewVerifiedNotification,
} from './wechat-notifications.ts';

/** The inbox's statements on both backends: the group-commit INSERT, deferral backoff, the sweep's claim. */
describeEachDb('wechat_notifications repository', (t) => {
  let merchantId: string;
  beforeAll(async () => {
    merchantId = (await createTestMerchant(t.db)).id;
  });

  const row = (i: number, over: Partial<NewVerifiedNotification> = {}): NewVerifiedNotification => ({
    merchantId,
    rawHeaders: { 'wechatpay-serial': 'PUB_KEY_ID_1', 'x-n': String(i) },
    rawBody: `{"id":"n-${i}","note":"茶 ${i}"}`,
    eventType: 'TRANSACTION.SUCCESS',
    receivedAt: new Date(Date.now() - i),
    nextAttemptAt: new Date(Date.now() + 15_000),
    ...over,
  });

  it('inserts a batch in one statement and gives each input the id of its own row, also with concurrent batches', async () => {
    const batches = Array.from({ length: 4 }, (_, b) => Array.from({ length: 150 }, (_, i) => row(b * 1000 + i)));
    const ids = await Promise.all(batches.map((rows) => insertVerifiedNotifications(t.db, rows)));
    for (const [b, rows] of batches.entries()) {
      const stored = await t.db.selectFrom('wechat_notifications').selectAll().where('id', 'in', ids[b]!).execute();
      const byId = new Map(stored.map((r) => [Number(r.id), r]));
      rows.forEach((input, i) => {
        const s = byId.get(ids[b]![i]!);
        expect(s, `batch ${b} row ${i}`).toMatchObject({
          merchant_id: merchantId,
          raw_body: input.rawBody,
          raw_headers: input.rawHeaders,
          status: 'verified',
          event_type: 'TRANSACTION.SUCCESS',
          notification_id: null,
          deferrals: 0,
        });
        expect(s!.received_at.getTime()).toBe(input.receivedAt.getTime());
        expect(s!.next_attempt_at!.getTime()).toBe(input.nextAttemptAt.getTime());
      });
    }
  });

  it('writes nothing of a batch whose statement fails', async () => {
    const rows = [row(1, { rawBody: 'keep-out-1' }), row(2, { rawBody: 'keep-out-2', merchantId: 'mer_doesnotexist' }), row(3, { rawBody: 'keep-out-3' })];
    await expect(insertVerifiedNotifications(t.db, rows)).rejects.toMatchObject({ code: '23503' });
    const left = await t.db.selectFrom('wechat_notifications').select('id').where('raw_body', 'like', 'keep-out-%').execute();
    expect(left).toEqual([]);
  });

  it('backs a deferred row off (5 s, 10 s, 20 s … at most an hour) and leaves settled rows alone', async () => {
    const [id] = await insertVerifiedNotifications(t.db, [row(7)]);
    const at = new Date('2030-01-01T00:00:00Z');
    const first = await deferNotification(t.db, id!, { error: 'deferred: payment not paid yet', at });
    const second = await deferNotification(t.db, id!, { error: 'deferred: payment not paid yet', at });
    expect(first!.getTime() - at.getTime()).toBe(5_000);
    expect(second!.getTime() - at.getTime()).toBe(10_000);
    expect([0, 1, 2, 9, 10, 50].map(deferralDelayMs)).toEqual([5_000, 10_000, 20_000, 2_560_000, 3600_000, 3600_000]);
    const r = await t.db.selectFrom('wechat_notifications').select(['status', 'deferrals', 'error']).where('id', '=', id!).executeTakeFirst();
    expect(r).toEqual({ status: 'verified', deferrals: 2, error: 'deferred: payment not paid yet' });
    expect(await claimNotification(t.db, id!, { notificationId: `n-claim-${id}`, eventType: 'TRANSACTION.SUCCESS', status: 'applied', at })).toBe(true);
    expect(await deferNotification(t.db, id!, { error: 'late', at })).toBeUndefined();
    // A settled row cannot be claimed a second time (the applier and a re-process job racing).
    expect(await claimNotification(t.db, id!, { notificationId: `n-claim-${id}`, eventType: 'TRANSACTION.SUCCESS', status: 'applied', at })).toBe(false);
  });

  it('claims waiting rows when due, with a lease, once', async () => {
    const now = new Date(Date.now() + 10 * 24 * 3600_000); // far ahead: every earlier test row is due too
    const since = new Date(now.getTime() - 3600_000);
    const [dueVerified, laterVerified] = await insertVerifiedNotifications(t.db, [
      row(1, { receivedAt: new Date(now.getTime() - 20_000), nextAttemptAt: new Date(now.getTime() - 5_000) }),
      row(2, { receivedAt: new Date(now.getTime() - 1_000), nextAttemptAt: new Date(now.getTime() + 14_000) }),
    ]);
    const received = await insertReceivedNotification(t.db, { merchantId, rawHeaders: {}, rawBody: 'crash', receivedAt: new Date(now.getTime() - 61_000) });
    const freshReceived = await insertReceivedNotification(t.db, { merchantId, rawHeaders: {}, rawBody: 'fresh', receivedAt: new Date(now.getTime() - 1_000) });
    const claimed = await claimStuckNotifications(t.db, now, since, 60_000, 100);
    expect(claimed.sort()).toEqual([dueVerified!, received].sort());
    expect(claimed).not.toContain(laterVerified);
    expect(claimed).not.toContain(freshReceived);
    expect(await claimStuckNotifications(t.db, now, since, 60_000, 100)).toEqual([]);
    // The lease ends: a job that died without settling its row does not lose it.
    const afterLease = await claimStuckNotifications(t.db, new Date(now.getTime() + 61_000), since, 60_000, 100);
    expect(afterLease).toEqual(expect.arrayContaining([dueVerified!, received, laterVerified!, freshReceived]));
  });
});
