import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import type { NewMerchantInput } from './merchant-input.ts';

/**
 * Reads the simulator's `sandbox.json` (and the PEM files it points to) into a new-merchant input, so
 * `anfu merchant add --from-simulator …` wires a merchant to a running simulator. Only the file format
 * is shared with the simulator, not its code: services never import `simulator/`.
 */
const sandboxSchema = z.object({
  base_url: z.string(),
  mchid: z.string(),
  appid: z.string(),
  apiv3_key: z.string(),
  merchant_serial_no: z.string(),
  merchant_private_key_path: z.string(),
  wechatpay_public_key_id: z.string(),
  wechatpay_public_key_path: z.string(),
  platform_certificate_serial: z.string().optional(),
  platform_certificate_path: z.string().optional(),
  h5_domains: z.array(z.string()).default([]),
});

export async function merchantInputFromSimulatorSandbox(path: string): Promise<NewMerchantInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new AppError('invalid_input', 'simulator_sandbox_unreadable', `cannot read a JSON sandbox file at ${path}`);
  }
  const parsed = sandboxSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('invalid_input', 'simulator_sandbox_invalid', `${path} is not a simulator sandbox.json`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    });
  }
  const s = parsed.data;
  // Relative key paths are relative to the sandbox file, wherever the command runs from.
  const at = (p: string): string => resolve(dirname(resolve(path)), p);
  const read = async (p: string): Promise<string> => {
    try {
      return await readFile(at(p), 'utf8');
    } catch {
      throw new AppError('invalid_input', 'simulator_sandbox_unreadable', `cannot read ${at(p)} named in ${path}`);
    }
  };
  const [merchantKey, wechatpayPub, platformCert] = await Promise.all([
    read(s.merchant_private_key_path),
    read(s.wechatpay_public_key_path),
    s.platform_certificate_path ? read(s.platform_certificate_path) : Promise.resolve(undefined),
  ]);
  return {
    name: 'Simulator merchant',
    mchid: s.mchid,
    appid: s.appid,
    mode: 'sandbox',
    h5Domains: s.h5_domains,
    wechatApiBaseUrl: s.base_url,
    keyMode: 'public_key',
    merchantSerial: s.merchant_serial_no,
    merchantPrivateKeyPem: merchantKey,
    apiv3Key: s.apiv3_key,
    wechatpayPublicKeyId: s.wechatpay_public_key_id,
    wechatpayPublicKeyPem: wechatpayPub,
    platformCertificates: platformCert && s.platform_certificate_serial ? [{ serialNo: s.platform_certificate_serial, pem: platformCert }] : [],
  };
}
