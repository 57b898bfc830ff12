import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Secret } from '../lib/secret.ts';
import { BlindIndexer } from './blind-index.ts';
import { normalise } from './normalise.ts';
import { bankAccount, idNumber, mainlandMobile, openid, sprinkle } from '../../test/helpers/personal-data-arbitraries.ts';

const key = randomBytes(32);
const indexer = new BlindIndexer(new Secret(key));

describe('normalisation', () => {
  it('strips separators and the +86 prefix from mainland mobiles', () => {
    for (const v of ['13812345678', '138 1234 5678', '138-1234-5678', '+86 138 1234 5678', '0086-13812345678', '8613812345678', '(+86) 138.1234.5678']) {
      expect(normalise('phone', v)).toBe('13812345678');
    }
    expect(normalise('phone', '+852 9123 4567')).toBe('+85291234567');
  });

  it('upper-cases the X of ID numbers and verifies the check character', () => {
    expect(normalise('id_number', '11010519491231002x')).toBe('11010519491231002X');
    expect(normalise('id_number', '110105 19491231 002X')).toBe('11010519491231002X');
    expect(() => normalise('id_number', '110105194912310021')).toThrow(expect.objectContaining({ code: 'pii_id_number_invalid' }));
  });

  it('rejects malformed values with a per-kind code and without echoing them', () => {
    const cases: Array<[Parameters<typeof normalise>[0], string]> = [
      ['phone', '12345'],
      ['phone', '+86 123 4567 8901'],
      ['bank_account', '6222-abc'],
      ['bank_account', '1234567'],
      ['openid', 'o@bad'],
      ['id_number', '12345'],
    ];
    for (const [kind, value] of cases) {
      try {
        normalise(kind, value);
        expect.fail(`${kind} accepted`);
      } catch (e) {
        expect((e as { code: string }).code).toBe(`pii_${kind}_invalid`);
        expect(JSON.stringify(e) + String(e)).not.toContain(value);
      }
    }
  });
});

describe('blind index', () => {
  it('is stable under normalisation (separators, +86, case of X)', () => {
    fc.assert(
      fc.property(mainlandMobile.chain((p) => fc.tuple(fc.constant(p), sprinkle(p), fc.constantFrom('', '+86', '0086', '+86 '))), ([p, typed, prefix]) => {
        expect(indexer.index('phone', prefix + typed)).toBe(indexer.index('phone', p));
      }),
    );
    fc.assert(
      fc.property(idNumber.chain((id) => fc.tuple(fc.constant(id), sprinkle(id.toLowerCase()))), ([id, typed]) => {
        expect(indexer.index('id_number', typed)).toBe(indexer.index('id_number', id));
      }),
    );
    fc.assert(
      fc.property(bankAccount.chain((a) => fc.tuple(fc.constant(a), sprinkle(a))), ([a, typed]) => {
        expect(indexer.index('bank_account', typed)).toBe(indexer.index('bank_account', a));
      }),
    );
  });

  it('differs for different values', () => {
    const distinct = <T>(arb: fc.Arbitrary<T>, f: (v: T) => string): void =>
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          fc.pre(a !== b);
          expect(f(a)).not.toBe(f(b));
        }),
      );
    distinct(mainlandMobile, (v) => indexer.index('phone', v));
    distinct(openid, (v) => indexer.index('openid', v));
    distinct(bankAccount, (v) => indexer.index('bank_account', v));
    distinct(idNumber, (v) => indexer.index('id_number', v));
  });

  it('separates kinds and keys: same digits as phone vs bank account, or another index key, give another index', () => {
    expect(indexer.index('phone', '13812345678')).not.toBe(indexer.index('bank_account', '13812345678'));
    const other = new BlindIndexer(new Secret(randomBytes(32)));
    expect(other.index('phone', '13812345678')).not.toBe(indexer.index('phone', '13812345678'));
  });

  it('does not contain the value and never prints its key', () => {
    const idx = indexer.index('bank_account', '6222021234567890123');
    expect(idx).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(idx).not.toContain('7890');
    expect(`${String(indexer)}${JSON.stringify({ indexer })}${inspect(indexer)}`).not.toContain(key.toString('base64'));
    expect(() => new BlindIndexer(new Secret(randomBytes(16)))).toThrow(expect.objectContaining({ code: 'blind_index_key_too_short' }));
  });

  it('pseudonymises per purpose: deterministic, 128-bit, and unlike the blind index or another key', () => {
    const p = indexer.pseudonymiser('anfu-risk-velocity-v1');
    const token = p('36.130.1.1');
    expect(token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(p('36.130.1.1')).toBe(token);
    expect(p('36.130.1.2')).not.toBe(token);
    expect(indexer.pseudonymiser('another-purpose')('36.130.1.1')).not.toBe(token);
    expect(new BlindIndexer(new Secret(randomBytes(32))).pseudonymiser('anfu-risk-velocity-v1')('36.130.1.1')).not.toBe(token);
    expect(indexer.index('openid', 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o')).not.toContain(indexer.pseudonymiser('anfu-risk-velocity-v1')('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'));
  });
});
