import fc from 'fast-check';
import { idCheckCharacter } from '../../src/privacy/normalise.ts';

/** fast-check generators of valid personal data, shared by this folder's property tests. */
export const digits = (n: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));

export const mainlandMobile = fc.tuple(fc.integer({ min: 3, max: 9 }), digits(9)).map(([b, rest]) => `1${b}${rest}`);

export const idNumber = digits(17).map((d) => d + idCheckCharacter(d));

export const bankAccount = fc.integer({ min: 8, max: 30 }).chain((n) => digits(n));

export const openid = fc.stringMatching(/^[A-Za-z0-9_-]{6,40}$/);

/** Spaces and dashes sprinkled between characters, as people type them. */
export function sprinkle(value: string): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom('', '', ' ', '-'), { minLength: value.length, maxLength: value.length }).map((seps) => [...value].map((c, i) => c + seps[i]).join(''));
}
