import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../lib/errors.ts';
import type { Secret } from '../lib/secret.ts';
import type { KmsProvider, WrappedKey } from './kms-provider.ts';

export interface VaultTransitOptions {
  /** e.g. `https://vault.internal:8200` */
  address: string;
  token: Secret<string>;
  keyName: string;
  /** Transit mount path (default `transit`). */
  mount?: string;
  /** Vault Enterprise namespace, sent as X-Vault-Namespace. */
  namespace?: string;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

const KEY_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const CIPHERTEXT = /^vault:v\d+:[A-Za-z0-9+/=]+$/;

const encryptAnswer = z.object({ data: z.object({ ciphertext: z.string().regex(CIPHERTEXT) }) });
const decryptAnswer = z.object({ data: z.object({ plaintext: z.string() }) });

/**
 * The KEK lives in HashiCorp Vault's transit engine and never leaves it: data keys travel to Vault
 * to be wrapped or unwrapped, and `rewrap` moves a ciphertext to the newest key version inside Vault.
 */
export class VaultTransitKms implements KmsProvider {
  readonly kekId: string;
  readonly development = false;
  readonly versioned = true;
  readonly #base: string;
  readonly #keyName: string;
  readonly #token: Secret<string>;
  readonly #namespace: string | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;

  constructor(opts: VaultTransitOptions) {
    if (!KEY_NAME.test(opts.keyName)) throw new AppError('invalid_input', 'kms_config_invalid', 'Vault transit key name must be 1–128 of [A-Za-z0-9_.-]');
    const mount = opts.mount ?? 'transit';
    if (!/^[A-Za-z0-9_/-]{1,128}$/.test(mount)) throw new AppError('invalid_input', 'kms_config_invalid', 'Vault transit mount path is malformed');
    let url: URL;
    try {
      url = new URL(opts.address);
    } catch {
      throw new AppError('invalid_input', 'kms_config_invalid', 'Vault address is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('invalid_input', 'kms_config_invalid', 'Vault address must be http(s)');
    this.#base = `${url.origin}/v1/${mount.replace(/^\/|\/$/g, '')}`;
    this.kekId = `vault-transit:${mount}/${opts.keyName}`;
    this.#keyName = opts.keyName;
    this.#token = opts.token;
    this.#namespace = opts.namespace;
    this.#timeoutMs = opts.timeoutMs ?? 5_000;
    this.#dispatcher = opts.dispatcher;
  }

  keyVersion(w: WrappedKey): string {
    return /^vault:(v\d+):/.exec(w.wrapped)?.[1] ?? 'unknown';
  }

  async wrap(dataKey: Buffer): Promise<WrappedKey> {
    const body = await this.#post('encrypt', { plaintext: dataKey.toString('base64') });
    return { kekId: this.kekId, wrapped: parse(encryptAnswer, body).data.ciphertext };
  }

  async unwrap(w: WrappedKey): Promise<Buffer> {
    this.#own(w);
    const body = await this.#post('decrypt', { ciphertext: w.wrapped });
    const plaintext = parse(decryptAnswer, body).data.plaintext;
    return Buffer.from(plaintext, 'base64');
  }

  async rewrap(w: WrappedKey): Promise<WrappedKey> {
    this.#own(w);
    const body = await this.#post('rewrap', { ciphertext: w.wrapped });
    return { kekId: this.kekId, wrapped: parse(encryptAnswer, body).data.ciphertext };
  }

  #own(w: WrappedKey): void {
    if (w.kekId !== this.kekId || !CIPHERTEXT.test(w.wrapped)) {
      throw new AppError('internal', 'kek_mismatch', 'the data key was not wrapped by this Vault transit key');
    }
  }

  async #post(op: 'encrypt' | 'decrypt' | 'rewrap', payload: Record<string, string>): Promise<unknown> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-vault-token': this.#token.reveal() };
    if (this.#namespace) headers['x-vault-namespace'] = this.#namespace;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.#base}/${op}/${this.#keyName}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#timeoutMs),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (e) {
      const name = (e as Error).name;
      const timedOut = name === 'TimeoutError' || name === 'AbortError' || /Timeout/.test((e as { code?: string }).code ?? '');
      throw new AppError('unavailable', timedOut ? 'kms_timeout' : 'kms_unreachable', `Vault transit ${op} ${timedOut ? 'timed out' : 'could not be reached'}`);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch {
      throw new AppError('unavailable', 'kms_timeout', `Vault transit ${op} answer was cut off`);
    }
    if (res.statusCode === 401 || res.statusCode === 403) {
      throw new AppError('upstream', 'kms_permission_denied', `Vault refused the transit ${op} (check the token and its policy)`, { status: res.statusCode });
    }
    if (res.statusCode === 400 && op !== 'encrypt') {
      // Vault answers 400 for ciphertexts it cannot decrypt (tampered, or from another key).
      throw new AppError('internal', 'kek_unwrap_failed', `Vault transit could not ${op} the wrapped data key`, { status: res.statusCode });
    }
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new AppError('unavailable', 'kms_unavailable', `Vault transit ${op} is unavailable`, { status: res.statusCode });
    }
    if (res.statusCode !== 200) {
      throw new AppError('upstream', 'kms_error', `Vault transit ${op} failed`, { status: res.statusCode });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AppError('upstream', 'kms_bad_response', `Vault transit ${op} answered with malformed JSON`);
    }
  }

  toString(): string {
    return `VaultTransitKms(${this.kekId})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new AppError('upstream', 'kms_bad_response', 'Vault transit answered in an unexpected shape');
  return r.data;
}
