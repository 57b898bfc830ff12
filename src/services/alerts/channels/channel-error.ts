/**
 * A channel call that failed. `permanent` failures (a refused URL, a robot key WeCom rejects) are
 * recorded and not retried; the rest are thrown back to pg-boss, which retries with back-off.
 * `code` is a stable snake_case reason: it never carries the URL, the key or the server's answer body.
 */
export class ChannelError extends Error {
  readonly code: string;
  readonly permanent: boolean;

  constructor(code: string, permanent: boolean) {
    super(`alert channel failed: ${code}`);
    this.name = 'ChannelError';
    this.code = code;
    this.permanent = permanent;
  }
}

export function transportCode(e: unknown): string {
  const err = e as { name?: string; code?: string };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError' || err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT' || err?.code === 'ETIMEDOUT') return 'timeout';
  if (typeof err?.code === 'string' && /^[A-Z_]{2,40}$/.test(err.code)) return `connection_error:${err.code}`;
  return 'connection_error';
}
