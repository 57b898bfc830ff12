import type { Clock } from '../lib/clock.ts';
import { WechatPayVerificationError } from './errors.ts';
import { decodeBase64Strict, verifySha256WithRsa, type Verifier } from './verifier.ts';

/** WeChat's replay window: reject when |now − timestamp| ≥ 300 s, in both directions (spec §2.2). */
export const MAX_CLOCK_SKEW_SECONDS = 300;

export const SIGNATURE_PROBE_PREFIX = 'WECHATPAY/SIGNTEST/';

export type HeaderBag = Record<string, string | string[] | undefined> | Headers;

export interface VerifiedHeaders {
  serial: string;
  timestamp: number;
  nonce: string;
}

/**
 * Called once when a serial is unknown, in certificate mode: refreshes the platform certificates.
 * It must throttle itself (see CertificateRefresher) so forged serials cannot make us download
 * on every request.
 */
export type UnknownSerialHook = (serial: string) => Promise<void>;

export interface ValidatorOptions {
  verifier: Verifier;
  clock: Clock;
  onUnknownSerial?: UnknownSerialHook;
}

/**
 * Checks a signed response or notification: all four headers present and single, timestamp
 * inside the window, serial known, SHA256withRSA over `ts\nnonce\nbody\n` on the raw bytes.
 * There is deliberately no switch to turn any of this off.
 */
export class ResponseValidator {
  readonly #opts: ValidatorOptions;

  constructor(opts: ValidatorOptions) {
    this.#opts = opts;
  }

  async validate(headers: HeaderBag, rawBody: Buffer | string): Promise<VerifiedHeaders> {
    const timestampStr = header(headers, 'wechatpay-timestamp');
    const nonce = header(headers, 'wechatpay-nonce');
    const signatureB64 = header(headers, 'wechatpay-signature');
    const serial = header(headers, 'wechatpay-serial');
    if (!timestampStr || !nonce || !signatureB64 || !serial) {
      throw new WechatPayVerificationError('missing_header', 'a Wechatpay-Timestamp/Nonce/Signature/Serial header is missing or repeated');
    }
    if (!/^\d{1,12}$/.test(timestampStr)) {
      throw new WechatPayVerificationError('timestamp_invalid', 'Wechatpay-Timestamp is not Unix seconds');
    }
    const timestamp = Number(timestampStr);
    const nowMs = this.#opts.clock.now();
    if (Math.abs(nowMs / 1000 - timestamp) >= MAX_CLOCK_SKEW_SECONDS) {
      throw new WechatPayVerificationError('timestamp_out_of_window', 'Wechatpay-Timestamp is 300 s or more away from now');
    }
    if (signatureB64.startsWith(SIGNATURE_PROBE_PREFIX)) {
      // WeChat's deliberate probe: it must fail like any bad signature (spec §2.6).
      throw new WechatPayVerificationError('signature_probe', 'signature probe (WECHATPAY/SIGNTEST/) rejected');
    }
    const signature = decodeBase64Strict(signatureB64);
    if (!signature) throw new WechatPayVerificationError('signature_malformed', 'Wechatpay-Signature is not valid Base64');

    let key = this.#opts.verifier.lookup(serial, nowMs);
    if (key === undefined && this.#opts.onUnknownSerial) {
      await this.#opts.onUnknownSerial(serial);
      key = this.#opts.verifier.lookup(serial, nowMs);
    }
    if (key === undefined) throw new WechatPayVerificationError('unknown_serial', 'Wechatpay-Serial names no known key');
    if (key === 'expired') throw new WechatPayVerificationError('certificate_expired', 'the platform certificate named by Wechatpay-Serial is not valid now');

    const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
    const message = Buffer.concat([Buffer.from(`${timestampStr}\n${nonce}\n`, 'utf8'), body, NEWLINE]);
    if (!verifySha256WithRsa(key, message, signature)) {
      throw new WechatPayVerificationError('signature_mismatch', 'Wechatpay-Signature does not verify');
    }
    return { serial, timestamp, nonce };
  }
}

const NEWLINE = Buffer.from('\n', 'utf8');

/** Reads one header case-insensitively; a repeated header counts as absent (ambiguous input fails closed). */
export function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    // Fetch Headers join repeated values with ", "; none of the Wechatpay-* values contains a comma.
    const v = (headers as Headers).get(name);
    return v === null || v.includes(',') ? undefined : v;
  }
  const bag = headers as Record<string, string | string[] | undefined>;
  let v = bag[name];
  if (v === undefined) {
    for (const k of Object.keys(bag)) {
      if (k.toLowerCase() === name) {
        v = bag[k];
        break;
      }
    }
  }
  if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined;
  return v;
}

/**
 * Single-flight, rate-limited refresh of platform certificates: at most one download per
 * `minIntervalMs`, however many unknown serials arrive.
 */
export class CertificateRefresher {
  readonly #refresh: () => Promise<void>;
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  #lastStart = -Infinity;
  #inFlight: Promise<void> | undefined;

  constructor(opts: { refresh: () => Promise<void>; clock: Clock; minIntervalMs?: number }) {
    this.#refresh = opts.refresh;
    this.#clock = opts.clock;
    this.#minIntervalMs = opts.minIntervalMs ?? 60_000;
  }

  readonly hook: UnknownSerialHook = async () => {
    if (this.#inFlight) return this.#inFlight;
    if (this.#clock.now() - this.#lastStart < this.#minIntervalMs) return;
    this.#lastStart = this.#clock.now();
    this.#inFlight = this.#refresh()
      .catch(() => undefined)
      .finally(() => {
        this.#inFlight = undefined;
      });
    return this.#inFlight;
  };
}
