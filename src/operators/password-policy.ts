import { AppError } from '../lib/errors.ts';
import { isCommonPassword } from './common-passwords.ts';

/** PCI DSS 8.3.6 asks for 12; ASVS 6.2.9 for allowing at least 64. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * NFKC, as NIST SP 800-63B advises, so the same password typed on another keyboard or IME hashes the
 * same. Applied both when hashing and when checking the policy.
 */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Checks a new password. No composition rules (ASVS 6.2.5): length counted in Unicode code points,
 * every printable character allowed including spaces, and the common-password list. Throws
 * `invalid_input` with a stable code; the password never appears in the error.
 */
export function assertPasswordAcceptable(password: string, context: { email?: string; name?: string } = {}): void {
  const p = normalisePassword(password);
  const length = [...p].length;
  if (length < PASSWORD_MIN_LENGTH) {
    throw new AppError('invalid_input', 'password_too_short', `passwords need at least ${PASSWORD_MIN_LENGTH} characters`, { min: PASSWORD_MIN_LENGTH });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    throw new AppError('invalid_input', 'password_too_long', `passwords may have at most ${PASSWORD_MAX_LENGTH} characters`, { max: PASSWORD_MAX_LENGTH });
  }
  if (/\p{Cc}/u.test(p)) {
    throw new AppError('invalid_input', 'password_invalid_characters', 'passwords cannot contain control characters');
  }
  if (isCommonPassword(p) || new Set(p.toLowerCase()).size < 4) {
    throw new AppError('invalid_input', 'password_common', 'this password is too common or too predictable; choose another');
  }
  const lower = p.toLowerCase();
  const identifiers = [context.email?.split('@')[0], context.email, context.name].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (identifiers.some((id) => lower.includes(id.toLowerCase()))) {
    throw new AppError('invalid_input', 'password_contains_identity', 'passwords cannot contain your e-mail address or name');
  }
}
