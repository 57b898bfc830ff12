import { pino, type Logger } from 'pino';

/**
 * Keys whose values never reach a log: secrets (authorization, cookies, passwords, API keys, private
 * keys, APIv3 keys, tokens, TOTP seeds and codes, CSRF tokens) and personal data (payer openid, client
 * IP, phone numbers, ID numbers, bank accounts). Matched by exact name at any depth of a plain object
 * or array given to the logger; values are replaced by `[REDACTED]`.
 * Secrets that travel as `Secret<T>` print `[REDACTED]` wherever they end up.
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'Authorization',
  'cookie',
  'set-cookie',
  'x-csrf-token',
  'idempotency-key',
  'password',
  'current_password',
  'new_password',
  'one_time_password',
  'oneTimePassword',
  'secret',
  'token',
  'csrf_token',
  'csrfToken',
  'api_key',
  'apiKey',
  'apiv3_key',
  'apiv3Key',
  'private_key',
  'privateKey',
  'private_key_pem',
  'privateKeyPem',
  'merchant_private_key',
  'webhook_secret',
  'totp',
  'totp_secret',
  'totpSecret',
  'payer_openid',
  'openid',
  'payer_client_ip',
  'phone',
  'id_number',
  'bank_account',
]);

/**
 * Header paths of the objects pino's serializers produce from class instances (a raw request or
 * response logged as `req`/`res`), which the scrubber below does not enter: static paths, cheap.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
];

const CENSOR = '[REDACTED]';
const MAX_DEPTH = 8;

/**
 * Returns `value` with every sensitive key's value censored, copying only the objects on the way to
 * a censored key (the caller's object is never modified; an object without one is returned as is).
 * Only plain objects and arrays are entered: class instances (errors, buffers, `Secret`, requests)
 * go to their serializers or `toJSON`.
 */
export function scrubForLog<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const s = scrubForLog(v, depth + 1);
      if (s !== v) (out ??= value.slice())[i] = s;
    }
    return (out ?? value) as T;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const obj = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const s = REDACTED_KEYS.has(k) ? (v === undefined || v === null ? v : CENSOR) : scrubForLog(v, depth + 1);
    if (s !== v) (out ??= { ...obj })[k] = s;
  }
  return (out ?? value) as T;
}

export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'anfu',
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    // Every logged object passes through the scrubber. (Child-logger bindings do not: pino formats
    // them once at child() time; bind ids only.)
    formatters: { log: (o: Record<string, unknown>) => scrubForLog(o) },
    base: { service: opts.name ?? 'anfu' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}

export type { Logger };
