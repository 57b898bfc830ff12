import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, onUnauthenticated, setCsrfToken, withQuery } from './client.ts';

const calls: { url: string; init: RequestInit }[] = [];
function answer(status: number, body: unknown) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(body === undefined ? '' : JSON.stringify(body), { status });
    }),
  );
}

beforeEach(() => {
  calls.length = 0;
  vi.stubGlobal('sessionStorage', { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
});
afterEach(() => vi.unstubAllGlobals());

describe('api client', () => {
  it('sends the CSRF token on state-changing requests only', async () => {
    setCsrfToken('tok123');
    answer(200, { ok: true });
    await api('GET', '/payments');
    await api('POST', '/payments/p1/close', {});
    const [get, post] = calls;
    expect(new Headers(get!.init.headers).get('x-csrf-token')).toBeNull();
    expect(new Headers(post!.init.headers).get('x-csrf-token')).toBe('tok123');
    expect(post!.url).toBe('/admin/api/payments/p1/close');
    expect(post!.init.credentials).toBe('same-origin');
  });

  it('turns a 401 into a session-ended signal and clears the token', async () => {
    setCsrfToken('tok123');
    const seen: string[] = [];
    const off = onUnauthenticated((c) => seen.push(c));
    answer(401, { error: { code: 'session_expired', message: 'expired' } });
    await expect(api('GET', '/me')).rejects.toMatchObject({ status: 401, code: 'session_expired' });
    expect(seen).toEqual(['session_expired']);
    answer(200, {});
    await api('POST', '/x', {});
    expect(new Headers(calls.at(-1)!.init.headers).get('x-csrf-token')).toBeNull();
    off();
  });

  it('does not treat a failed login as a session ending', async () => {
    const seen: string[] = [];
    const off = onUnauthenticated((c) => seen.push(c));
    answer(401, { error: { code: 'totp_invalid', message: 'wrong code' } });
    await expect(api('POST', '/session', {})).rejects.toBeInstanceOf(ApiError);
    expect(seen).toEqual([]);
    off();
  });

  it('keeps the stable error code of a 403', async () => {
    answer(403, { error: { code: 'permission_denied', message: 'no' } });
    await expect(api('POST', '/operators', {})).rejects.toMatchObject({ status: 403, code: 'permission_denied' });
  });

  it('builds query strings without empty values', () => {
    expect(withQuery('/payments', { status: 'paid', q: '', cursor: undefined, limit: 50 })).toBe('/payments?status=paid&limit=50');
    expect(withQuery('/payments', {})).toBe('/payments');
  });
});
