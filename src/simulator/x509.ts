import { sign as rsaSign, type KeyObject } from 'node:crypto';

/**
 * A minimal DER encoder for self-signed RSA X.509 v3 certificates. The simulator needs a merchant
 * certificate and a platform certificate with chosen serials; node:crypto can read certificates
 * but not write them. @peculiar/x509 was tried first but needs a global `reflect-metadata`
 * polyfill (tsyringe), which we would rather not inject into every process that loads the simulator.
 * Only what those two certificates need is encoded; the output is checked with node's X509Certificate.
 */

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]): Buffer => tlv(0x31, Buffer.concat(parts));

function positiveInteger(hex: string): Buffer {
  let bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  // A set top bit would make the DER INTEGER negative.
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

const OID = {
  sha256WithRsa: Buffer.from('06092a864886f70d01010b', 'hex'),
  country: Buffer.from('0603550406', 'hex'),
  organisation: Buffer.from('060355040a', 'hex'),
  organisationalUnit: Buffer.from('060355040b', 'hex'),
  commonName: Buffer.from('0603550403', 'hex'),
};

const NULL = Buffer.from([0x05, 0x00]);

export interface DistinguishedName {
  country?: string;
  organisation?: string;
  organisationalUnit?: string;
  commonName: string;
}

function encodeName(dn: DistinguishedName): Buffer {
  const rdns: Buffer[] = [];
  if (dn.country) rdns.push(set(seq(OID.country, tlv(0x13, Buffer.from(dn.country, 'ascii')))));
  if (dn.organisation) rdns.push(set(seq(OID.organisation, tlv(0x0c, Buffer.from(dn.organisation, 'utf8')))));
  if (dn.organisationalUnit) rdns.push(set(seq(OID.organisationalUnit, tlv(0x0c, Buffer.from(dn.organisationalUnit, 'utf8')))));
  rdns.push(set(seq(OID.commonName, tlv(0x0c, Buffer.from(dn.commonName, 'utf8')))));
  return seq(...rdns);
}

/** UTCTime up to 2049, GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
function encodeTime(d: Date): Buffer {
  const iso = d.toISOString();
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = d.getUTCFullYear();
  if (year < 2050) return tlv(0x17, Buffer.from(compact.slice(2), 'ascii'));
  return tlv(0x18, Buffer.from(compact, 'ascii'));
}

export interface CertificateRequest {
  /** Hex serial number (positive). */
  serialHex: string;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** Self-signed: the private key matching `publicKey`. */
  signingKey: KeyObject;
}

export function buildSelfSignedCertificate(req: CertificateRequest): string {
  const algorithm = seq(OID.sha256WithRsa, NULL);
  const name = encodeName(req.subject);
  const spki = req.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))), // version v3
    positiveInteger(req.serialHex),
    algorithm,
    name,
    seq(encodeTime(req.notBefore), encodeTime(req.notAfter)),
    name,
    spki,
  );
  const signature = rsaSign('sha256', tbs, req.signingKey);
  const der = seq(tbs, algorithm, tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
