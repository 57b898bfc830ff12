import { AppError } from '../lib/errors.ts';
import { Secret } from '../lib/secret.ts';

const APIV3_KEY_BYTES = 32;

/**
 * Validates an APIv3 key as typed into the merchant platform: 32 characters, used as 32 raw bytes
 * by AES-256-GCM. Only printable ASCII is accepted because the platform only issues such keys and a
 * multi-byte character would silently change the byte length. The value never appears in errors.
 */
export function importApiV3Key(input: string | Secret<string>): Secret<string> {
  const key = typeof input === 'string' ? input : input.reveal();
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes !== APIV3_KEY_BYTES) {
    throw new AppError('invalid_input', 'credential_apiv3_key_length', `the APIv3 key must be exactly ${APIV3_KEY_BYTES} bytes`, { bytes });
  }
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new AppError('invalid_input', 'credential_apiv3_key_charset', 'the APIv3 key must be printable ASCII without spaces');
  }
  return new Secret(key);
}
