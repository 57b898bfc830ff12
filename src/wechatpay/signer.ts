import { KeyObject, sign as rsaSign } from 'node:crypto';
import { randomAlnum } from '../lib/ids.ts';
import { requestMessage } from './message.ts';

/**
 * Who signs requests for a merchant. The local implementation holds a KeyObject; a remote
 * implementation (the key in an HSM/KMS) can stand in without the client knowing.
 */
export interface Signer {
  readonly mchid: string;
  /** Serial of the merchant API certificate that matches the signing key. */
  readonly serialNo: string;
  /** SHA256withRSA (PKCS#1 v1.5) over `message`, Base64. */
  sign(message: string): Promise<string>;
}

export const AUTH_SCHEME = 'WECHATPAY2-SHA256-RSA2048';

export function signSha256WithRsa(privateKey: KeyObject, message: string | Buffer): string {
  return rsaSign('sha256', typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey).toString('base64');
}

export class LocalSigner implements Signer {
  readonly mchid: string;
  readonly serialNo: string;
  readonly #key: KeyObject;

  constructor(opts: { mchid: string; serialNo: string; privateKey: KeyObject }) {
    // A PEM string would be re-parsed on every signature (4–6× slower); insist on a parsed key.
    if (!(opts.privateKey instanceof KeyObject) || opts.privateKey.type !== 'private') throw new TypeError('LocalSigner needs a private KeyObject (use loadPrivateKey)');
    this.mchid = opts.mchid;
    this.serialNo = opts.serialNo;
    this.#key = opts.privateKey;
  }

  signSync(message: string): string {
    return signSha256WithRsa(this.#key, message);
  }

  async sign(message: string): Promise<string> {
    return this.signSync(message);
  }
}

/** 32 alphanumerics from the CSPRNG, as every official SDK generates. */
export function newNonce(): string {
  return randomAlnum(32);
}

export interface AuthorizationParts {
  mchid: string;
  nonce_str: string;
  timestamp: string;
  serial_no: string;
  signature: string;
}

export function formatAuthorization(p: AuthorizationParts): string {
  return `${AUTH_SCHEME} mchid="${p.mchid}",nonce_str="${p.nonce_str}",timestamp="${p.timestamp}",serial_no="${p.serial_no}",signature="${p.signature}"`;
}

/** Parses an Authorization header; the five keys may come in any order (spec §1.3). Null when malformed. */
export function parseAuthorization(header: string): AuthorizationParts | null {
  if (!header.startsWith(`${AUTH_SCHEME} `)) return null;
  const rest = header.slice(AUTH_SCHEME.length + 1);
  const out: Record<string, string> = {};
  const re = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(rest)) !== null) {
    if (out[m[1]!] !== undefined) return null;
    out[m[1]!] = m[2]!;
    consumed = re.lastIndex;
    if (consumed >= rest.length) break;
  }
  if (consumed !== rest.length) return null;
  const { mchid, nonce_str, timestamp, serial_no, signature } = out;
  if (!mchid || !nonce_str || !timestamp || !serial_no || !signature) return null;
  if (Object.keys(out).length !== 5) return null;
  return { mchid, nonce_str, timestamp, serial_no, signature };
}

/** Builds the Authorization header for one request. */
export async function buildAuthorization(
  signer: Signer,
  req: { method: string; canonicalUrl: string; body: string; timestamp: number; nonce?: string },
): Promise<string> {
  const nonce = req.nonce ?? newNonce();
  const timestamp = String(req.timestamp);
  const signature = await signer.sign(requestMessage(req.method, req.canonicalUrl, timestamp, nonce, req.body));
  return formatAuthorization({ mchid: signer.mchid, nonce_str: nonce, timestamp, serial_no: signer.serialNo, signature });
}
