import { generateKeyPair, randomBytes, randomInt, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadCertificate, loadPrivateKey, loadPublicKey, type CertificateInfo } from '../wechatpay/keys.ts';
import { ApiV3Key } from '../wechatpay/aead.ts';
import { buildSelfSignedCertificate } from './x509.ts';

const generateRsa = promisify(generateKeyPair);

/** The file a merchant (or the gateway sandbox, or a test) reads to talk to this simulator. */
export interface SandboxJson {
  base_url: string;
  mchid: string;
  appid: string;
  apiv3_key: string;
  merchant_serial_no: string;
  merchant_private_key_path: string;
  merchant_certificate_path: string;
  wechatpay_public_key_id: string;
  wechatpay_public_key_path: string;
  wechatpay_private_key_path: string;
  platform_certificate_serial: string;
  platform_certificate_path: string;
  platform_private_key_path: string;
  h5_domains: string[];
}

/** The same merchant, parsed once into KeyObjects for the server. */
export interface SandboxMerchant {
  json: SandboxJson;
  merchantCertificate: CertificateInfo;
  /** WeChat's side: signs answers and notifications in public-key mode. */
  wechatpayPrivateKey: KeyObject;
  wechatpayPublicKey: KeyObject;
  /** WeChat's side in certificate mode. */
  platformPrivateKey: KeyObject;
  platformCertificate: CertificateInfo;
  apiV3Key: ApiV3Key;
}

export const DEFAULT_H5_DOMAINS = ['127.0.0.1', 'localhost'];

function randomDigits(n: number): string {
  let s = '';
  while (s.length < n) s += String(randomInt(0, 10));
  return s;
}

/** 20 random bytes as 40 upper-case hex chars; the top nibble is kept non-zero so no leading zero is trimmed. */
function randomSerial(): string {
  const b = randomBytes(20);
  b[0] = (b[0]! & 0x7f) | 0x10;
  return b.toString('hex').toUpperCase();
}

async function newKeyPair(): Promise<{ privatePem: string; publicPem: string }> {
  const { privateKey, publicKey } = await generateRsa('rsa', { modulusLength: 2048 });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

async function writeAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode });
  await rename(tmp, path);
}

export function sandboxPathOf(stateDir: string): string {
  return join(resolve(stateDir), 'sandbox.json');
}

/** Creates the sandbox merchant on first start; later starts reuse its keys (state survives restarts). */
export async function loadOrCreateSandboxMerchant(opts: {
  stateDir: string;
  baseUrl: string;
  h5Domains?: string[];
  now?: number;
}): Promise<SandboxMerchant> {
  const dir = resolve(opts.stateDir);
  const keysDir = join(dir, 'keys');
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const sandboxPath = sandboxPathOf(dir);
  const h5Domains = [...new Set([...DEFAULT_H5_DOMAINS, ...(opts.h5Domains ?? [])])];

  let json: SandboxJson;
  if (existsSync(sandboxPath)) {
    json = JSON.parse(await readFile(sandboxPath, 'utf8')) as SandboxJson;
    json.base_url = opts.baseUrl;
    json.h5_domains = h5Domains;
  } else {
    json = await createMerchantFiles(keysDir, opts.baseUrl, h5Domains, opts.now ?? Date.now());
  }
  await writeAtomic(sandboxPath, `${JSON.stringify(json, null, 2)}\n`);
  return parseSandbox(json);
}

async function createMerchantFiles(keysDir: string, baseUrl: string, h5Domains: string[], now: number): Promise<SandboxJson> {
  const [merchant, wechatpay, platform] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair()]);
  const mchid = `19${randomDigits(8)}`;
  const merchantSerial = randomSerial();
  const platformSerial = randomSerial();
  const day = 86_400_000;
  const merchantCert = buildSelfSignedCertificate({
    serialHex: merchantSerial,
    subject: { country: 'CN', organisation: '微信商户系统', organisationalUnit: 'Anfu 模拟商户', commonName: mchid },
    notBefore: new Date(now - day),
    notAfter: new Date(now + 5 * 365 * day),
    publicKey: createPublicKey(merchant.publicPem),
    signingKey: loadPrivateKey(merchant.privatePem),
  });
  const platformCert = buildSelfSignedCertificate({
    serialHex: platformSerial,
    subject: { country: 'CN', organisation: 'Tenpay.com', organisationalUnit: 'Tenpay.com CA Center', commonName: 'Tenpay.com sign' },
    notBefore: new Date(now - day),
    notAfter: new Date(now + 5 * 365 * day),
    publicKey: createPublicKey(platform.publicPem),
    signingKey: loadPrivateKey(platform.privatePem),
  });
  const p = (name: string): string => join(keysDir, name);
  await Promise.all([
    writeAtomic(p('apiclient_key.pem'), merchant.privatePem),
    writeAtomic(p('apiclient_cert.pem'), merchantCert, 0o644),
    writeAtomic(p('pub_key.pem'), wechatpay.publicPem, 0o644),
    writeAtomic(p('wechatpay_private_key.pem'), wechatpay.privatePem),
    writeAtomic(p('platform_cert.pem'), platformCert, 0o644),
    writeAtomic(p('platform_private_key.pem'), platform.privatePem),
  ]);
  return {
    base_url: baseUrl,
    mchid,
    appid: `wx${randomBytes(8).toString('hex')}`,
    apiv3_key: ApiV3Key.generateString(),
    merchant_serial_no: merchantSerial,
    merchant_private_key_path: p('apiclient_key.pem'),
    merchant_certificate_path: p('apiclient_cert.pem'),
    wechatpay_public_key_id: `PUB_KEY_ID_${randomDigits(28)}`,
    wechatpay_public_key_path: p('pub_key.pem'),
    wechatpay_private_key_path: p('wechatpay_private_key.pem'),
    platform_certificate_serial: platformSerial,
    platform_certificate_path: p('platform_cert.pem'),
    platform_private_key_path: p('platform_private_key.pem'),
    h5_domains: h5Domains,
  };
}

async function parseSandbox(json: SandboxJson): Promise<SandboxMerchant> {
  const read = (path: string): Promise<string> => readFile(path, 'utf8');
  const [mcert, wpriv, wpub, ppriv, pcert] = await Promise.all([
    read(json.merchant_certificate_path),
    read(json.wechatpay_private_key_path),
    read(json.wechatpay_public_key_path),
    read(json.platform_private_key_path),
    read(json.platform_certificate_path),
  ]);
  return {
    json,
    merchantCertificate: loadCertificate(mcert),
    wechatpayPrivateKey: loadPrivateKey(wpriv),
    wechatpayPublicKey: loadPublicKey(wpub),
    platformPrivateKey: loadPrivateKey(ppriv),
    platformCertificate: loadCertificate(pcert),
    apiV3Key: ApiV3Key.from(json.apiv3_key),
  };
}
