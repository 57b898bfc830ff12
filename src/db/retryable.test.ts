import { describe, expect, it } from 'vitest';
import { isRetryable, isUniqueViolation, withRetry } from './retryable.ts';

const pgError = (code: string, constraint?: string): Error => Object.assign(new Error('x'), { code, constraint });

describe('retryable SQLSTATEs', () => {
  it('treats serialization failures, deadlocks and lock timeouts as retryable', () => {
    for (const code of ['40001', '40P01', '55P03']) expect(isRetryable(pgError(code))).toBe(true);
  });

  it('never retries constraint violations or plain errors', () => {
    for (const code of ['23505', '23514', '23503', '22P02']) expect(isRetryable(pgError(code))).toBe(false);
    expect(isRetryable(new Error('boom'))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
  });

  it('recognises a unique violation on a named constraint', () => {
    expect(isUniqueViolation(pgError('23505', 'payments_transaction_id_key'), 'payments_transaction_id_key')).toBe(true);
    expect(isUniqueViolation(pgError('23505', 'other'), 'payments_transaction_id_key')).toBe(false);
  });
});

describe('withRetry', () => {
  const noSleep = { sleep: async () => undefined };

  it('retries a transaction that hit a deadlock and returns its eventual result', async () => {
    let calls = 0;
    const out = await withRetry(async () => {
      calls++;
      if (calls < 3) throw pgError('40P01');
      return 'done';
    }, noSleep);
    expect(out).toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the attempt limit with the last error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw pgError('40001');
      }, { ...noSleep, attempts: 2 }),
    ).rejects.toMatchObject({ code: '40001' });
    expect(calls).toBe(2);
  });

  it('does not retry a non-retryable error', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw pgError('23505');
      }, noSleep),
    ).rejects.toMatchObject({ code: '23505' });
    expect(calls).toBe(1);
  });
});
