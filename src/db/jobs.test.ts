import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../../test/helpers/db.ts';
import { createJobs, jobDbIn, startJobs, stopJobs, type JobBoss } from './jobs.ts';

describeEachDb('pg-boss jobs', (t) => {
  let boss: JobBoss;

  beforeAll(async () => {
    boss = createJobs(t.handle, { supervise: false, schedule: false });
    await startJobs(boss, ['probe', 'staged']);
  });
  afterAll(async () => {
    await stopJobs(boss, 1000);
  });

  it('sends a job and a worker receives its data', async () => {
    const received = new Promise<unknown>((resolve) => {
      void boss.work<{ n: number }>('probe', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
        resolve(job?.data);
      });
    });
    const id = await boss.send('probe', { n: 42 });
    expect(id).toEqual(expect.any(String));
    await expect(received).resolves.toEqual({ n: 42 });
  });

  it('enqueues inside a transaction only when it commits', async () => {
    await t.db.transaction().execute(async (trx) => {
      await boss.send('staged', { kept: true }, { db: jobDbIn(trx) });
    });
    await expect(
      t.db.transaction().execute(async (trx) => {
        await boss.send('staged', { kept: false }, { db: jobDbIn(trx) });
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    const jobs = await boss.fetch<{ kept: boolean }>('staged', { batchSize: 10 });
    expect(jobs.map((j) => j.data)).toEqual([{ kept: true }]);
  });
});
