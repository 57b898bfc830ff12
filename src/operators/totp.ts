import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import { Secret } from '../lib/secret.ts';

/** RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_S = 30;
const crypto = new NodeCryptoPlugin();

/** A fresh 160-bit secret in Base32, as authenticator apps expect. */
export function newTotpSecret(): Secret<string> {
  return new Secret(generateSecret({ length: 20, crypto }));
}

/** The otpauth:// URI to show as a QR code at enrolment. */
export function totpUri(secret: Secret<string>, account: string, issuer = 'Anfu'): string {
  return generateURI({ issuer, label: account, secret: secret.reveal(), period: TOTP_PERIOD_S, digits: 6, algorithm: 'sha1' });
}

export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_S);
}

/** The code an authenticator shows at `nowMs` (sandbox output and tests). */
export async function totpCode(secret: Secret<string>, nowMs: number): Promise<string> {
  return generate({ secret: secret.reveal(), epoch: Math.floor(nowMs / 1000), period: TOTP_PERIOD_S, digits: 6, crypto });
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'malformed' | 'invalid' | 'reused' };

/**
 * Accepts the code of the current step or one step either side (clock drift), compared in constant
 * time by otplib. A code whose step is not after `lastUsedStep` is refused as reused: each code works
 * once, so a shoulder-surfed or phished code cannot be replayed within its window. The caller stores
 * the returned step as the new `lastUsedStep` in the same transaction as the login.
 */
export async function verifyTotp(input: { secret: Secret<string>; token: string; nowMs: number; lastUsedStep: number | null }): Promise<TotpCheck> {
  const token = input.token.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return { ok: false, reason: 'malformed' };
  const r = await verify({
    secret: input.secret.reveal(),
    token,
    epoch: Math.floor(input.nowMs / 1000),
    epochTolerance: TOTP_PERIOD_S,
    period: TOTP_PERIOD_S,
    digits: 6,
    crypto,
  });
  if (!r.valid) return { ok: false, reason: 'invalid' };
  // The functional API types TOTP and HOTP results together; the TOTP one carries the matched step.
  const step = 'timeStep' in r && typeof r.timeStep === 'number' ? r.timeStep : totpStep(input.nowMs) + r.delta;
  if (input.lastUsedStep !== null && step <= input.lastUsedStep) return { ok: false, reason: 'reused' };
  return { ok: true, step };
}
