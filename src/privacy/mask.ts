import { normalise, type PersonalDataKind } from './normalise.ts';

/**
 * Display masks. Each reveals at most what is documented here and in docs/security.md; a value that
 * does not parse is masked entirely rather than shown:
 * - phone: mainland mobile first 3 + last 4 (`138****5678`); other E.164 numbers the last 4 (`+****4567`)
 * - ID number: first 3 + last 4, length kept (18 characters): `110***********123X`
 * - bank account: last 4 only, length hidden (`****1234`)
 * - openid: first 4 only, length hidden (`oUpF****`)
 * - name: last character only (`*三`, `***娜`); a one-character name is fully masked
 */
export const FULL_MASK = '****';

export function maskPhone(value: string): string {
  const n = tryNormalise('phone', value);
  if (n === null) return FULL_MASK;
  return n.startsWith('+') ? `+****${n.slice(-4)}` : `${n.slice(0, 3)}****${n.slice(-4)}`;
}

export function maskIdNumber(value: string): string {
  const n = tryNormalise('id_number', value);
  return n === null ? FULL_MASK : `${n.slice(0, 3)}${'*'.repeat(n.length - 7)}${n.slice(-4)}`;
}

export function maskBankAccount(value: string): string {
  const n = tryNormalise('bank_account', value);
  return n === null ? FULL_MASK : `****${n.slice(-4)}`;
}

export function maskOpenid(value: string): string {
  const n = tryNormalise('openid', value);
  return n === null ? FULL_MASK : `${n.slice(0, 4)}****`;
}

export function maskName(value: string): string {
  const chars = [...value.trim()];
  if (chars.length <= 1) return '*';
  return `${'*'.repeat(chars.length - 1)}${chars[chars.length - 1]}`;
}

export function mask(kind: PersonalDataKind, value: string): string {
  switch (kind) {
    case 'phone':
      return maskPhone(value);
    case 'id_number':
      return maskIdNumber(value);
    case 'bank_account':
      return maskBankAccount(value);
    case 'openid':
      return maskOpenid(value);
  }
}

function tryNormalise(kind: PersonalDataKind, value: string): string | null {
  try {
    return normalise(kind, value);
  } catch {
    return null;
  }
}
