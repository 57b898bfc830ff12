import { AppError } from '../lib/errors.ts';

/** The kinds of personal data Anfu encrypts field by field and can look up by blind index. */
export type PersonalDataKind = 'openid' | 'phone' | 'id_number' | 'bank_account';

export const PERSONAL_DATA_KINDS: readonly PersonalDataKind[] = ['openid', 'phone', 'id_number', 'bank_account'];

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/**
 * Canonical form of a value, so the same person's data always gives the same blind index however
 * it was typed. Throws `pii_<kind>_invalid` (never echoing the value) when it is not a valid value.
 */
export function normalise(kind: PersonalDataKind, value: string): string {
  switch (kind) {
    case 'openid':
      return normaliseOpenid(value);
    case 'phone':
      return normalisePhone(value);
    case 'id_number':
      return normaliseIdNumber(value);
    case 'bank_account':
      return normaliseBankAccount(value);
  }
}

/** OpenIDs are case-sensitive opaque strings: only checked, never changed. */
export function normaliseOpenid(value: string): string {
  if (!/^[A-Za-z0-9_-]{6,128}$/.test(value)) throw invalid('openid', 'an openid is 6–128 of [A-Za-z0-9_-]');
  return value;
}

/**
 * Mainland mobile numbers lose separators and a +86 / 0086 / 86 country prefix (13812345678).
 * Other numbers must be in E.164 with a leading + and keep it (+85291234567).
 */
export function normalisePhone(value: string): string {
  const compact = value.replace(/[\s\-().]/g, '');
  const mainland = /^(?:\+86|0086|86)?(1\d{10})$/.exec(compact);
  if (mainland && MAINLAND_MOBILE.test(mainland[1]!)) return mainland[1]!;
  if (/^\+[1-9]\d{7,14}$/.test(compact) && !compact.startsWith('+86')) return compact;
  throw invalid('phone', 'a phone number is a mainland mobile (11 digits) or +country number in E.164');
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * Resident identity card numbers (GB 11643): 18 characters, separators removed, a final `x` upper-
 * cased, and the ISO 7064 MOD 11-2 check character verified so typos are caught at the edge.
 */
export function normaliseIdNumber(value: string): string {
  const compact = value.replace(/[\s-]/g, '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(compact) || idCheckCharacter(compact.slice(0, 17)) !== compact[17]) {
    throw invalid('id_number', 'an ID number is 18 characters with a valid check character');
  }
  return compact;
}

export function idCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** Bank account numbers: digits only once spaces and dashes are gone, 8–30 digits (corporate accounts run long). */
export function normaliseBankAccount(value: string): string {
  const compact = value.replace(/[\s-]/g, '');
  if (!/^\d{8,30}$/.test(compact)) throw invalid('bank_account', 'a bank account number is 8–30 digits');
  return compact;
}

function invalid(kind: PersonalDataKind, message: string): AppError {
  return new AppError('invalid_input', `pii_${kind}_invalid`, message, { kind });
}
