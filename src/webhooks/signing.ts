import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../lib/secret.ts';

/**
 * Standard Webhooks signing (webhook-id, webhook-timestamp, webhook-signature "v1,<base64 HMAC-SHA256>")
 * over `${id}.${timestamp}.${body}`. Secrets are `whsec_` + base64 of 32 random bytes. During a rotation
 * two secrets are valid: the signature header then carries one v1 entry per secret, and receivers
 * accept any match. Implemented on node:crypto; the `standardwebhooks` package verifies it in tests.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64');
}

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('webhook secret must start with whsec_');
  const bytes = Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
  if (bytes.length < 24) throw new Error('webhook secret too short');
  return bytes;
}

export function signatureFor(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Headers for one delivery, signed with every currently valid secret (at most two during rotation). */
export function signWebhook(secrets: readonly string[], id: string, timestampSeconds: number, body: string): WebhookHeaders {
  if (secrets.length === 0) throw new Error('no webhook secret');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signatureFor(s, id, timestampSeconds, body)).join(' '),
  };
}

export type WebhookVerifyResult = { ok: true } | { ok: false; reason: 'missing_headers' | 'timestamp_out_of_window' | 'no_matching_signature' };

/** Receiver side (used by the sandbox's demo receiver): window both ways, any v1 entry may match. */
export function verifyWebhook(
  secrets: readonly string[],
  headers: Record<string, string | string[] | undefined>,
  body: string,
  nowSeconds: number,
): WebhookVerifyResult {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string' || !/^\d{1,12}$/.test(ts)) {
    return { ok: false, reason: 'missing_headers' };
  }
  if (Math.abs(nowSeconds - Number(ts)) > WEBHOOK_TOLERANCE_SECONDS) return { ok: false, reason: 'timestamp_out_of_window' };
  const offered = sig.split(' ').filter((s) => s.startsWith('v1,'));
  for (const secret of secrets) {
    const expected = signatureFor(secret, id, Number(ts), body);
    if (offered.some((o) => safeEqual(o, expected))) return { ok: true };
  }
  return { ok: false, reason: 'no_matching_signature' };
}
