import { beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { LOCKOUT_MS, LOCKOUT_THRESHOLD, UNLOCKED } from './login-lockout.ts';
import { decideLogin, type LoginSubject } from './login.ts';
import { hashPassword } from './password-hash.ts';
import { SlidingWindowRateLimiter } from './rate-limiter.ts';
import { newTotpSecret, totpCode } from './totp.ts';

const PASSWORD = 'violet tram under 7 lanterns';
const NOW = 1_800_000_000_000;
let hash: string;
beforeAll(async () => {
  hash = await hashPassword(new Secret(PASSWORD));
});

const limiter = (): SlidingWindowRateLimiter => new SlidingWindowRateLimiter({ limit: 100, windowMs: 60_000 });
const subject = (over: Partial<LoginSubject> = {}): LoginSubject => ({ passwordHash: hash, lockout: UNLOCKED, totpSecret: null, totpLastStep: null, mfaRequired: false, ...over });
const attempt = (s: LoginSubject | null, password: string, extra: { totpCode?: string; nowMs?: number; limiter?: SlidingWindowRateLimiter } = {}) =>
  decideLogin({ subject: s, password: new Secret(password), totpCode: extra.totpCode, ip: '203.0.113.9', nowMs: extra.nowMs ?? NOW, limiter: extra.limiter ?? limiter() });

describe('login decision', () => {
  it('accepts the right password and clears the failure count', async () => {
    const r = await attempt(subject({ lockout: { failures: 3, lockedUntilMs: null } }), PASSWORD);
    expect(r).toEqual({ ok: true, lockout: UNLOCKED, totpLastStep: null, rehash: false });
  });

  it('answers login_failed alike for a wrong password and an unknown account, counting the former', async () => {
    const wrong = await attempt(subject(), 'not the password at all');
    expect(wrong).toMatchObject({ ok: false, code: 'login_failed', lockout: { failures: 1, lockedUntilMs: null } });
    expect(await attempt(null, PASSWORD)).toMatchObject({ ok: false, code: 'login_failed', lockout: null });
  });

  it('locks after ten failures and then refuses even the right password', async () => {
    let s = subject();
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const r = await attempt(s, 'wrong password value');
      s = { ...s, lockout: r.lockout! };
    }
    expect(await attempt(s, PASSWORD)).toMatchObject({ ok: false, code: 'login_locked', retryAfterMs: LOCKOUT_MS });
    expect(await attempt(s, PASSWORD, { nowMs: NOW + LOCKOUT_MS })).toMatchObject({ ok: true });
  }, 20_000);

  it('refuses beyond the per-IP limit before doing any password work', async () => {
    const tight = new SlidingWindowRateLimiter({ limit: 2, windowMs: 60_000 });
    await attempt(subject(), PASSWORD, { limiter: tight });
    await attempt(subject(), PASSWORD, { limiter: tight });
    expect(await attempt(subject(), PASSWORD, { limiter: tight })).toMatchObject({ ok: false, code: 'login_rate_limited', retryAfterMs: 60_000 });
  });

  it('asks for the TOTP code after a right password, then accepts it once', async () => {
    const secret = newTotpSecret();
    const s = subject({ totpSecret: secret });
    expect(await attempt(s, PASSWORD)).toMatchObject({ ok: false, code: 'totp_required', lockout: UNLOCKED });
    const code = await totpCode(secret, NOW);
    const ok = await attempt(s, PASSWORD, { totpCode: code });
    expect(ok).toMatchObject({ ok: true });
    const replay = await attempt({ ...s, totpLastStep: ok.totpLastStep }, PASSWORD, { totpCode: code, nowMs: NOW + 1_000 });
    expect(replay).toMatchObject({ ok: false, code: 'totp_reused', lockout: { failures: 1 } });
    expect(await attempt(s, PASSWORD, { totpCode: '000000' === code ? '111111' : '000000' })).toMatchObject({ ok: false, code: 'totp_invalid' });
  });

  it('stops an admin without enrolled TOTP at enrolment', async () => {
    expect(await attempt(subject({ mfaRequired: true }), PASSWORD)).toMatchObject({ ok: false, code: 'totp_enrolment_required' });
  });
});
