import { describe, expect, it } from 'vitest';
import { readFixture, vector } from '../../test/helpers/fixtures.ts';
import { ApiV3Key } from './aead.ts';
import { decryptCertificates } from './certificates.ts';
import { WechatPayDecryptError, WechatPayResponseError } from './errors.ts';

interface CertVector {
  response_body: string;
  apiv3_key: string;
  expect: { serial_no: string; subject_cn: string; not_before: string; not_after: string };
}

describe('certificate download decryption', () => {
  const v = vector<CertVector>('certificate-download-java');
  const body = readFixture(v.response_body);

  it('decrypts the Java SDK download to the Tenpay certificate with the listed serial and validity', () => {
    const [cert, ...rest] = decryptCertificates(body, ApiV3Key.from(v.apiv3_key));
    expect(rest).toEqual([]);
    expect(cert!.serial).toBe(v.expect.serial_no);
    expect(cert!.subject).toContain(`CN=${v.expect.subject_cn}`);
    expect(cert!.notBefore.toISOString()).toBe(new Date(v.expect.not_before).toISOString());
    expect(cert!.notAfter.toISOString()).toBe(new Date(v.expect.not_after).toISOString());
  });

  it('fails with the wrong APIv3 key', () => {
    expect(() => decryptCertificates(body, ApiV3Key.from('q'.repeat(32)))).toThrow(WechatPayDecryptError);
  });

  it('rejects a certificate listed under a serial it does not carry', () => {
    const tampered = JSON.parse(body) as { data: { serial_no: string }[] };
    tampered.data[0]!.serial_no = '0123456789ABCDEF';
    expect(() => decryptCertificates(JSON.stringify(tampered), ApiV3Key.from(v.apiv3_key))).toThrow(WechatPayResponseError);
  });

  it('rejects an empty or malformed list', () => {
    expect(() => decryptCertificates('{"data":[]}', ApiV3Key.from(v.apiv3_key))).toThrow(WechatPayResponseError);
    expect(() => decryptCertificates('nope', ApiV3Key.from(v.apiv3_key))).toThrow(WechatPayResponseError);
  });
});
