/**
 * Which PostgreSQL errors mean "the same transaction may succeed if run again", and a small retry loop.
 * Only whole transactions are retried (a statement inside an aborted transaction cannot be), and only
 * for conditions the server itself calls transient: serialization failures, deadlocks, lock timeouts,
 * and connections lost before commit. Constraint violations are never retried: they are answers.
 */
export const RETRYABLE_SQLSTATES: Readonly<Record<string, string>> = {
  '40001': 'serialization_failure',
  '40P01': 'deadlock_detected',
  '55P03': 'lock_not_available',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
  '08000': 'connection_exception',
  '08003': 'connection_does_not_exist',
  '08006': 'connection_failure',
  '08001': 'sqlclient_unable_to_establish_sqlconnection',
  '08004': 'sqlserver_rejected_establishment_of_sqlconnection',
};

/** Socket errors from `pg` when the server vanished; they carry no SQLSTATE. */
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

export function sqlState(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

export function isRetryable(e: unknown): boolean {
  const code = sqlState(e);
  if (code === undefined) return false;
  return code in RETRYABLE_SQLSTATES || RETRYABLE_NODE_CODES.has(code);
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (sqlState(e) !== '23505') return false;
  return constraint === undefined || (e as { constraint?: string }).constraint === constraint;
}

export function isCheckViolation(e: unknown, constraint?: string): boolean {
  if (sqlState(e) !== '23514') return false;
  return constraint === undefined || (e as { constraint?: string }).constraint === constraint;
}

export interface RetryOptions {
  /** Total attempts including the first (default 4). */
  attempts?: number;
  /** First backoff in ms; doubles each time, with full jitter (default 10). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` (one whole transaction) again when it failed with a retryable SQLSTATE. `fn` must be safe to
 * repeat: it is a database transaction that either committed nothing or everything.
 */
export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 4;
  const base = opts.baseDelayMs ?? 10;
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || !isRetryable(e)) throw e;
      await sleep(Math.floor(random() * base * 2 ** (i - 1)));
    }
  }
}
