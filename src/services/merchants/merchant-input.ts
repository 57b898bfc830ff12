import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { isBareHost, isLiveH5Domain } from '../../domain/merchant.ts';

/**
 * The zod schema for a new merchant. Messages name the field and the rule, never the value: several
 * fields are secrets (private key, APIv3 key) and errors end up in logs and CLI output.
 */
const pemPrivateKey = z.string().refine((pem) => {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}, 'must be an RSA private key in PEM');

const pemPublicKey = z.string().refine((pem) => {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}, 'must be an RSA public key in PEM');

const pemCertificate = z.string().refine((pem) => {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}, 'must be an X.509 certificate in PEM');

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

export const newMerchantSchema = z
  .object({
    name: z.string().trim().min(1).max(128),
    mchid: z.string().regex(/^\d{6,32}$/, 'must be the digits of a WeChat Pay merchant id'),
    appid: z.string().regex(/^wx[0-9a-fA-F]{16}$/, 'must be a WeChat appid (wx + 16 hex characters)'),
    mode: z.enum(['sandbox', 'live']).default('sandbox'),
    h5Domains: z
      .array(z.string().trim().toLowerCase().refine(isBareHost, 'must be a bare hostname such as shop.example.com (no scheme, port or path)'))
      .min(1, 'at least one H5 domain is required')
      .max(20)
      .transform((d) => [...new Set(d)]),
    webhookUrl: httpUrl.optional(),
    wechatApiBaseUrl: httpUrl.default('https://api.mch.weixin.qq.com'),
    wechatApiBackupUrl: httpUrl.optional(),
    keyMode: z.enum(['public_key', 'platform_certificate']).default('public_key'),
    merchantSerial: z.string().regex(/^[0-9A-Fa-f]{1,64}$/, 'must be the hex serial number of the merchant certificate'),
    merchantPrivateKeyPem: pemPrivateKey,
    apiv3Key: z.string().refine((k) => Buffer.byteLength(k, 'utf8') === 32, 'must be exactly 32 bytes'),
    wechatpayPublicKeyId: z.string().regex(/^PUB_KEY_ID_[0-9A-Za-z]{1,64}$/, 'must look like PUB_KEY_ID_…').optional(),
    wechatpayPublicKeyPem: pemPublicKey.optional(),
    platformCertificates: z.array(z.object({ serialNo: z.string().regex(/^[0-9A-Fa-f]{1,64}$/), pem: pemCertificate })).default([]),
  })
  .superRefine((m, ctx) => {
    if ((m.wechatpayPublicKeyId === undefined) !== (m.wechatpayPublicKeyPem === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['wechatpayPublicKeyId'], message: 'the WeChat Pay public key id and PEM go together' });
    }
    if (m.keyMode === 'public_key' && m.wechatpayPublicKeyPem === undefined) {
      ctx.addIssue({ code: 'custom', path: ['wechatpayPublicKeyPem'], message: 'public_key mode needs the WeChat Pay public key and its id' });
    }
    if (m.keyMode === 'platform_certificate' && m.platformCertificates.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['platformCertificates'], message: 'platform_certificate mode needs at least one platform certificate' });
    }
    if (m.mode === 'live') {
      // Live money goes over TLS to WeChat and to the merchant, and only to domains WeChat can register.
      for (const [i, d] of m.h5Domains.entries()) {
        if (!isLiveH5Domain(d)) ctx.addIssue({ code: 'custom', path: ['h5Domains', i], message: 'live mode needs a public DNS name (no localhost or IP)' });
      }
      for (const f of ['webhookUrl', 'wechatApiBaseUrl', 'wechatApiBackupUrl'] as const) {
        const v = m[f];
        if (v !== undefined && !v.startsWith('https://')) ctx.addIssue({ code: 'custom', path: [f], message: 'live mode requires https' });
      }
    }
  });

export type NewMerchantInput = z.input<typeof newMerchantSchema>;
export type NewMerchant = z.output<typeof newMerchantSchema>;
