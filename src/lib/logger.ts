import { pino, type Logger } from 'pino';

/**
 * Paths pino censors wherever they appear. Secrets and personal data must never reach a log:
 * authorization headers, cookies, API keys, private keys, APIv3 keys, tokens and payer identifiers.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.authorization',
  '*.Authorization',
  '*.password',
  '*.secret',
  '*.token',
  '*.api_key',
  '*.apiKey',
  '*.apiv3_key',
  '*.apiv3Key',
  '*.private_key',
  '*.privateKey',
  '*.merchant_private_key',
  '*.webhook_secret',
  '*.totp_secret',
  '*.payer_openid',
  '*.openid',
  '*.payer_client_ip',
];

export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = {
    level: opts.level ?? 'info',
    name: opts.name ?? 'anfu',
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: opts.name ?? 'anfu' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination as pino.DestinationStream) : pino(options);
}

export type { Logger };
