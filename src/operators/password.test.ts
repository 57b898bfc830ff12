import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { commonPasswords, isCommonPassword } from './common-passwords.ts';
import { generateOneTimePassword } from './one-time-password.ts';
import { ARGON2_PARAMS, hashPassword, needsRehash, verifyPassword, verifyPasswordOrDummy } from './password-hash.ts';
import { assertPasswordAcceptable } from './password-policy.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('argon2id password hashing', () => {
  it('hashes with argon2id at OWASP parameters and verifies', async () => {
    const h = await hashPassword(new Secret('correct horse battery staple'));
    expect(h).toMatch(new RegExp(`^\\$argon2id\\$v=19\\$m=${ARGON2_PARAMS.memoryCost},t=${ARGON2_PARAMS.timeCost},p=${ARGON2_PARAMS.parallelism}\\$`));
    expect(await verifyPassword(h, new Secret('correct horse battery staple'))).toBe(true);
    expect(await verifyPassword(h, new Secret('correct horse battery stapler'))).toBe(false);
    expect(needsRehash(h)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword(new Secret('same password!!')), hashPassword(new Secret('same password!!'))]);
    expect(a).not.toBe(b);
  });

  it('treats NFKC-equivalent spellings as the same password', async () => {
    const h = await hashPassword(new Secret('ｆｕｌｌｗｉｄｔｈ ｐａｓｓ 2024'));
    expect(await verifyPassword(h, new Secret('fullwidth pass 2024'))).toBe(true);
  });

  it('flags weaker or foreign hashes for rehash and refuses malformed stored hashes', async () => {
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$3x0A4cTt2TYjnt6iBn9eBpB8XcoINsUCQiiNMk+Vs0w')).toBe(true);
    expect(needsRehash('$2b$12$abcdefghijklmnopqrstuv')).toBe(true);
    await expect(verifyPassword('$2b$12$abc', new Secret('x'))).rejects.toMatchObject({ code: 'password_hash_malformed' });
    await expect(verifyPassword('$argon2id$garbage', new Secret('x'))).rejects.toMatchObject({ code: 'password_hash_malformed' });
  });

  it('answers false for an unknown account after doing the same work', async () => {
    expect(await verifyPasswordOrDummy(null, new Secret('anfu-dummy-password-for-timing'))).toBe(false);
  });
});

describe('password policy', () => {
  it('accepts a long, uncommon passphrase', () => {
    expect(() => assertPasswordAcceptable('violet tram under 7 lanterns', { email: 'ops@example.com' })).not.toThrow();
  });

  it('enforces 12..128 code points, counting characters rather than bytes', () => {
    expect(codeOf(() => assertPasswordAcceptable('Short1!xyzq'))).toBe('password_too_short');
    expect(codeOf(() => assertPasswordAcceptable('密码很长但是只有十一个'))).toBe('password_too_short');
    expect(() => assertPasswordAcceptable('密码足够长而且不常见的十二个字')).not.toThrow();
    expect(codeOf(() => assertPasswordAcceptable('ab3x'.repeat(33)))).toBe('password_too_long');
    expect(() => assertPasswordAcceptable('ab3x'.repeat(32))).not.toThrow();
  });

  it('refuses passwords on the common list, with appended digits, or nearly constant', () => {
    expect(commonPasswords().size).toBeGreaterThan(3000);
    for (const p of ['1qaz2wsx3edc', 'qwerty123456', 'Password2024!', 'iloveyou123456', '2024sunshine!!', 'aaaaaaaaaaaaaa', 'abababababab']) {
      expect(codeOf(() => assertPasswordAcceptable(p)), p).toBe('password_common');
    }
    expect(isCommonPassword('QWERTYUIOP')).toBe(true);
  });

  it('refuses passwords containing the e-mail or name, and control characters', () => {
    expect(codeOf(() => assertPasswordAcceptable('zhangwei-violet-tram', { email: 'zhangwei@example.com' }))).toBe('password_contains_identity');
    expect(codeOf(() => assertPasswordAcceptable('violet tram\u0000under'))).toBe('password_invalid_characters');
  });

  it('never echoes the password in the error', () => {
    try {
      assertPasswordAcceptable('iloveyou123456');
    } catch (e) {
      expect(`${String(e)}${JSON.stringify(e)}`).not.toContain('iloveyou');
    }
  });
});

describe('one-time password for `anfu admin create`', () => {
  it('is random, unambiguous, and passes the policy', () => {
    fc.assert(
      fc.property(fc.constant(null), () => {
        const p = generateOneTimePassword().reveal();
        expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
        expect(() => assertPasswordAcceptable(p)).not.toThrow();
      }),
      { numRuns: 50 },
    );
    const many = new Set(Array.from({ length: 200 }, () => generateOneTimePassword().reveal()));
    expect(many.size).toBe(200);
  });
});
