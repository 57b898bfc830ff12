import { z } from 'zod';
import type { WechatPayClient } from './client.ts';
import { openResourceText, type ApiV3Key } from './aead.ts';
import { WechatPayApiError } from './api-error.ts';
import { WechatPayResponseError, WechatPayVerificationError } from './errors.ts';
import { loadCertificate, normaliseSerial, type CertificateInfo } from './keys.ts';
import { ResponseValidator } from './validator.ts';
import { WechatPayKeyStore } from './verifier.ts';
import type { Clock } from '../lib/clock.ts';

export const certificatesResponseSchema = z.looseObject({
  data: z
    .array(
      z.looseObject({
        serial_no: z.string().min(1).max(64),
        effective_time: z.string(),
        expire_time: z.string(),
        encrypt_certificate: z.looseObject({
          algorithm: z.string(),
          nonce: z.string(),
          associated_data: z.string().optional(),
          ciphertext: z.string().min(1),
        }),
      }),
    )
    .min(1),
});

export type CertificateDownload = { mode: 'certificate'; certificates: CertificateInfo[] } | { mode: 'public-key' };

/**
 * Decrypts every certificate of a `/v3/certificates` body with the APIv3 key and checks that each
 * decrypted certificate carries the serial it is listed under. Pure, so the vector can run on it.
 */
export function decryptCertificates(rawBody: string, apiV3Key: ApiV3Key): CertificateInfo[] {
  let value: unknown;
  try {
    value = JSON.parse(rawBody);
  } catch {
    throw new WechatPayResponseError('malformed_json', 'certificate download answer is not JSON');
  }
  const parsed = certificatesResponseSchema.safeParse(value);
  if (!parsed.success) throw new WechatPayResponseError('unexpected_shape', 'certificate download answer does not match the spec');
  return parsed.data.data.map((item) => {
    const cert = loadCertificate(openResourceText(apiV3Key, item.encrypt_certificate));
    if (cert.serial !== normaliseSerial(item.serial_no)) {
      throw new WechatPayResponseError('unexpected_shape', 'a decrypted certificate does not carry the serial it is listed under');
    }
    return cert;
  });
}

/**
 * `GET /v3/certificates` (spec §2.3): decrypt first, then verify the answer with the certificates just
 * decrypted (their authenticity rests on TLS plus the GCM tag under our APIv3 key), then load them.
 * A 404 means the merchant has no platform certificate: public-key mode (spec §10.1).
 */
export async function downloadCertificates(
  client: WechatPayClient,
  opts: { apiV3Key: ApiV3Key; store: WechatPayKeyStore; clock: Clock },
): Promise<CertificateDownload> {
  let res;
  try {
    res = await client.send({ method: 'GET', path: '/v3/certificates', verify: false });
  } catch (e) {
    if (e instanceof WechatPayApiError && e.status === 404) return { mode: 'public-key' };
    throw e;
  }
  const certificates = decryptCertificates(res.body.toString('utf8'), opts.apiV3Key);
  const fresh = new WechatPayKeyStore();
  for (const c of certificates) fresh.addCertificate(c);
  // During a migration WeChat may sign this answer with the public key already held, so fall back to the store.
  const verifier = { lookup: (serial: string, atMs: number) => fresh.lookup(serial, atMs) ?? opts.store.lookup(serial, atMs), acceptSerial: () => undefined };
  const validator = new ResponseValidator({ verifier, clock: opts.clock });
  try {
    await validator.validate(res.headers, res.body);
  } catch (e) {
    if (e instanceof WechatPayVerificationError) throw new WechatPayVerificationError(e.reason, `certificate download: ${e.message}`);
    throw e;
  }
  for (const c of certificates) opts.store.addCertificate(c);
  return { mode: 'certificate', certificates };
}
