import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_MASK, maskBankAccount, maskIdNumber, maskName, maskOpenid, maskPhone } from './mask.ts';
import { normalise } from './normalise.ts';
import { bankAccount, idNumber, mainlandMobile, openid, sprinkle } from '../../test/helpers/personal-data-arbitraries.ts';

/** Characters of `masked` that are not mask stars or the documented fixed `+`. */
const shown = (masked: string): string => masked.replace(/[*+]/g, '');

describe('masks', () => {
  it('follow the documented examples', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
    expect(maskPhone('+86 138-1234-5678')).toBe('138****5678');
    expect(maskPhone('+852 9123 4567')).toBe('+****4567');
    expect(maskIdNumber('11010519491231002x')).toBe('110***********002X');
    expect(maskBankAccount('6222 0212 3456 7890 123')).toBe('****0123');
    expect(maskOpenid('oUpF8uMuAJO_M2pxb1Q9zNjWeS6o')).toBe('oUpF****');
    expect(maskName('张三')).toBe('*三');
    expect(maskName('欧阳娜娜')).toBe('***娜');
    expect(maskName('王')).toBe('*');
  });

  it('mask unparseable values entirely', () => {
    for (const f of [maskPhone, maskIdNumber, maskBankAccount, maskOpenid]) {
      expect(f('')).toBe(FULL_MASK);
      expect(f('not a value!')).toBe(FULL_MASK);
    }
  });

  it('phone masks reveal only the first 3 and last 4 digits', () => {
    fc.assert(
      fc.property(mainlandMobile.chain((p) => fc.tuple(fc.constant(p), sprinkle(p))), ([p, typed]) => {
        const m = maskPhone(typed);
        expect(shown(m)).toBe(p.slice(0, 3) + p.slice(-4));
        expect(m).toBe(`${p.slice(0, 3)}****${p.slice(-4)}`);
      }),
    );
  });

  it('ID masks reveal only the first 3 and last 4 characters', () => {
    fc.assert(
      fc.property(idNumber, (id) => {
        const m = maskIdNumber(id);
        expect(shown(m)).toBe(id.slice(0, 3) + id.slice(-4));
        expect(m).toHaveLength(18);
      }),
    );
  });

  it('bank masks reveal only the last 4 digits and hide the length', () => {
    fc.assert(
      fc.property(bankAccount, (a) => {
        expect(maskBankAccount(a)).toBe(`****${a.slice(-4)}`);
      }),
    );
  });

  it('openid masks reveal only the first 4 characters and hide the length', () => {
    fc.assert(
      fc.property(openid, (o) => {
        expect(maskOpenid(o)).toBe(`${o.slice(0, 4)}****`);
      }),
    );
  });

  it('name masks reveal at most one character', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 8 }), (name) => {
        expect([...maskName(name)].filter((c) => c !== '*').length).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('never reveal more than the documented count, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        expect(shown(maskPhone(s)).length).toBeLessThanOrEqual(7);
        expect(shown(maskIdNumber(s)).length).toBeLessThanOrEqual(7);
        expect(shown(maskBankAccount(s)).length).toBeLessThanOrEqual(4);
        expect(shown(maskOpenid(s)).length).toBeLessThanOrEqual(4);
      }),
    );
    // normalise is what masks see: no hidden path around it.
    expect(normalise('phone', '13812345678')).toBe('13812345678');
  });
});
