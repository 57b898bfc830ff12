/**
 * The one way the console talks to the gateway: same-origin fetch to /admin/api with the session cookie
 * (HttpOnly, never visible here) and, on every state-changing request, the CSRF token the login answer
 * gave us. 401 means the session ended: listeners send the operator back to the login page. 403 is a
 * permission refusal that pages show as such. Errors keep the server's stable code, never its internals.
 */
export const API_BASE = '/admin/api';
const CSRF_STORAGE = 'anfu.console.csrf';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | null = readCsrf();
const unauthenticatedListeners = new Set<(code: string) => void>();

function readCsrf(): string | null {
  try {
    return sessionStorage.getItem(CSRF_STORAGE);
  } catch {
    return null;
  }
}

/**
 * Kept in sessionStorage (this tab only) so a reload keeps working. The token is useless without the
 * HttpOnly cookie it is bound to, and useless to another site that cannot read it.
 */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  try {
    if (token) sessionStorage.setItem(CSRF_STORAGE, token);
    else sessionStorage.removeItem(CSRF_STORAGE);
  } catch {
    // storage unavailable: the in-memory token still serves this page
  }
}

export function onUnauthenticated(fn: (code: string) => void): () => void {
  unauthenticatedListeners.add(fn);
  return () => unauthenticatedListeners.delete(fn);
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`${API_BASE}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network_error', 'The gateway could not be reached.');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (res.ok) return json as T;
  const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const code = err?.code ?? `http_${res.status}`;
  const apiError = new ApiError(res.status, code, err?.message ?? res.statusText, err?.details);
  // The login call itself answers 401 for a wrong password: that is not a session ending.
  if (res.status === 401 && path !== '/session') {
    setCsrfToken(null);
    for (const fn of unauthenticatedListeners) fn(code);
  }
  throw apiError;
}
