import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { buildSelfSignedCertificate } from '../../src/simulator/x509.ts';

/**
 * Fresh merchant API certificates for the credential tests, made with the simulator's X.509 helper:
 * CN = mchid as WeChat issues them, a random 40-hex serial, and a chosen key size and validity.
 */
const DAY = 86_400_000;

export interface TestPair {
  serial: string;
  certificatePem: string;
  privateKeyPem: string;
}

export function merchantPair(mchid: string, opts: { bits?: number; notBefore?: Date; notAfter?: Date; commonName?: string } = {}): TestPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: opts.bits ?? 2048 });
  const b = randomBytes(20);
  b[0] = (b[0]! & 0x7f) | 0x10;
  const serial = b.toString('hex').toUpperCase();
  const now = Date.now();
  const certificatePem = buildSelfSignedCertificate({
    serialHex: serial,
    subject: { country: 'CN', organisation: '微信商户系统', organisationalUnit: 'Anfu tests', commonName: opts.commonName ?? mchid },
    notBefore: opts.notBefore ?? new Date(now - DAY),
    notAfter: opts.notAfter ?? new Date(now + 365 * DAY),
    publicKey,
    signingKey: privateKey,
  });
  return { serial, certificatePem, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Material that must never appear in an answer: PEM private keys, whatever their label. */
export const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
