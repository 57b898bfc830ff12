import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * The common-password list: zxcvbn-ts's `passwords-common` dictionary (about 49,000 entries merged
 * from public breach corpora, maintained with that package), lower-cased into a Set on first use.
 * ASVS 6.2.4 asks for at least the top 3,000.
 */
let common: Set<string> | undefined;

export function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

/**
 * True when the password, lower-cased, is on the list — either as it is or once the digits and
 * symbols people add before or after a word to satisfy length rules ("password2024!",
 * "2024sunshine!!") are removed.
 */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  const lower = password.toLowerCase();
  const trail = lower.replace(/[^\p{L}]+$/u, '');
  const lead = lower.replace(/^[^\p{L}]+/u, '');
  const core = lead.replace(/[^\p{L}]+$/u, '');
  return list.has(lower) || [trail, lead, core].some((stem) => stem.length >= 4 && stem !== lower && list.has(stem));
}
