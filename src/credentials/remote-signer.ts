import { verify as rsaVerify, type KeyObject } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { AppError } from '../lib/errors.ts';
import type { Secret } from '../lib/secret.ts';
import type { Signer } from '../wechatpay/signer.ts';
import { SIGN_PATH, signResponseSchema } from './signing-protocol.ts';

export interface RemoteSignerOptions {
  /** Base URL of the signing service, e.g. `https://signer.internal:8443`. */
  url: string;
  token: Secret<string>;
  mchid: string;
  /** Merchant certificate serial; also the key id the service knows the key by. */
  serialNo: string;
  /**
   * The merchant certificate's public key. When given, every signature is verified before use, so
   * a misconfigured service (wrong key) fails here rather than as a 401 from WeChat.
   */
  verifyWith?: KeyObject;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** A Signer whose merchant key lives in a remote signing service (an HSM or KMS front). */
export class RemoteSigner implements Signer {
  readonly mchid: string;
  readonly serialNo: string;
  readonly #endpoint: string;
  readonly #token: Secret<string>;
  readonly #verifyWith: KeyObject | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(opts: RemoteSignerOptions) {
    let base: URL;
    try {
      base = new URL(opts.url);
    } catch {
      throw new AppError('invalid_input', 'remote_signer_config_invalid', 'the signing service URL is not a URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new AppError('invalid_input', 'remote_signer_config_invalid', 'the signing service URL must be http(s)');
    this.#endpoint = new URL(SIGN_PATH, base).toString();
    this.mchid = opts.mchid;
    this.serialNo = opts.serialNo;
    this.#token = opts.token;
    this.#verifyWith = opts.verifyWith;
    this.#timeoutMs = opts.timeoutMs ?? 3_000;
    this.#dispatcher = opts.dispatcher;
  }

  async sign(message: string): Promise<string> {
    const bytes = Buffer.from(message, 'utf8');
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#token.reveal()}` },
        body: JSON.stringify({ key_id: this.serialNo, message: bytes.toString('base64') }),
        signal: AbortSignal.timeout(this.#timeoutMs),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (e) {
      const timedOut = ['TimeoutError', 'AbortError'].includes((e as Error).name) || /Timeout/.test((e as { code?: string }).code ?? '');
      throw new AppError('unavailable', timedOut ? 'remote_signer_timeout' : 'remote_signer_unreachable', `the signing service ${timedOut ? 'timed out' : 'could not be reached'}`);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch {
      throw new AppError('unavailable', 'remote_signer_timeout', 'the signing service answer was cut off');
    }
    if (res.statusCode === 401 || res.statusCode === 403) throw new AppError('upstream', 'remote_signer_unauthorized', 'the signing service refused our token');
    if (res.statusCode === 404) throw new AppError('upstream', 'remote_signer_unknown_key', 'the signing service has no key for this certificate serial', { serialNo: this.serialNo });
    if (res.statusCode !== 200) {
      throw new AppError(res.statusCode >= 500 ? 'unavailable' : 'upstream', 'remote_signer_error', 'the signing service failed', { status: res.statusCode });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const r = signResponseSchema.safeParse(parsed);
    if (!r.success || r.data.key_id !== this.serialNo) throw new AppError('upstream', 'remote_signer_bad_response', 'the signing service answered in an unexpected shape');
    const signature = r.data.signature;
    // Fail closed: a signature that does not verify against our own certificate is never sent on.
    if (this.#verifyWith && !rsaVerify('sha256', bytes, this.#verifyWith, Buffer.from(signature, 'base64'))) {
      throw new AppError('upstream', 'remote_signer_bad_signature', 'the signing service returned a signature that does not match the merchant certificate');
    }
    return signature;
  }

  toString(): string {
    return `RemoteSigner(${this.mchid}, ${this.serialNo})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
