import { describe, expect, it } from 'vitest';
import { en } from '../i18n/en.ts';
import { apiV3KeyProblem, looksLikePem, warningClass } from './credentials.ts';

describe('APIv3 key entry', () => {
  const key = 'abcdefghijklmnopqrstuvwxyz012345';
  it('accepts 32 printable ASCII characters typed the same twice', () => {
    expect(apiV3KeyProblem(key, key)).toBeNull();
  });
  it('counts UTF-8 bytes as the server does, and refuses spaces and non-ASCII', () => {
    expect(apiV3KeyProblem(key.slice(1), key.slice(1))).toBe('length');
    expect(apiV3KeyProblem(`${key}x`, `${key}x`)).toBe('length');
    expect(apiV3KeyProblem(`密${key.slice(1)}`, `密${key.slice(1)}`)).toBe('length');
    expect(apiV3KeyProblem('密'.repeat(10) + 'xx', '密'.repeat(10) + 'xx')).toBe('charset');
    expect(apiV3KeyProblem(`${key.slice(1)} `, `${key.slice(1)} `)).toBe('charset');
  });
  it('reports a mismatch only once the key itself is valid', () => {
    expect(apiV3KeyProblem(key, `${key.slice(0, 31)}!`)).toBe('mismatch');
    expect(apiV3KeyProblem(key, '')).toBe('mismatch');
  });
});

describe('expiry badges', () => {
  it('colour by warning level: expired and 1 day red, 7 days amber, 30 days blue, else green', () => {
    expect(warningClass('expired')).toContain('badge-bad');
    expect(warningClass('expires_in_1d')).toContain('badge-bad');
    expect(warningClass('expires_in_7d')).toContain('badge-warn');
    expect(warningClass('expires_in_30d')).toContain('badge-info');
    expect(warningClass(null)).toContain('badge-ok');
  });
});

describe('pasted PEM shape', () => {
  const block = (label: string) => `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`;
  it('tells certificates, private keys and public keys apart', () => {
    expect(looksLikePem(block('CERTIFICATE'), 'CERTIFICATE')).toBe(true);
    expect(looksLikePem(block('PRIVATE KEY'), 'PRIVATE KEY')).toBe(true);
    expect(looksLikePem(block('RSA PRIVATE KEY'), 'PRIVATE KEY')).toBe(true);
    expect(looksLikePem(block('PUBLIC KEY'), 'PUBLIC KEY')).toBe(true);
    expect(looksLikePem(block('PRIVATE KEY'), 'PUBLIC KEY')).toBe(false);
    expect(looksLikePem(block('CERTIFICATE'), 'PRIVATE KEY')).toBe(false);
    expect(looksLikePem('', 'CERTIFICATE')).toBe(false);
  });
});

describe('credential error codes', () => {
  it('have an explanation in the catalogue for every credential_* code the gateway uses', () => {
    const codes = [
      'credential_apiv3_key_charset', 'credential_apiv3_key_length', 'credential_apiv3_key_unchanged', 'credential_certificate_expired',
      'credential_certificates_count', 'credential_key_already_known', 'credential_key_encrypted', 'credential_key_pair_mismatch',
      'credential_key_unsupported', 'credential_malformed_pem', 'credential_mchid_mismatch', 'credential_no_previous_key',
      'credential_nothing_staged', 'credential_nothing_to_retire', 'credential_platform_certificate_missing', 'credential_private_key_supplied',
      'credential_public_key_id_malformed', 'credential_public_key_missing', 'credential_serial_unchanged',
    ];
    for (const c of codes) expect(Object.keys(en), c).toContain(`keys.err.${c}`);
  });
});
