import { Agent, type Dispatcher } from 'undici';
import type { z } from 'zod';
import { unixSeconds, type Clock } from '../lib/clock.ts';
import { apiErrorFromResponse } from './api-error.ts';
import { WechatPayResponseError, WechatPayTransportError } from './errors.ts';
import { DEFAULT_RETRY, decideRetry, parseRetryAfter, type AttemptOutcome, type RetryOptions } from './retry-policy.ts';
import { buildAuthorization, type Signer } from './signer.ts';
import { ResponseValidator, type UnknownSerialHook } from './validator.ts';
import type { Verifier } from './verifier.ts';

export interface WechatPayClientOptions {
  mchid: string;
  appid?: string;
  signer: Signer;
  verifier: Verifier;
  /** Certificate mode: a throttled refresh (CertificateRefresher.hook). Public-key mode: leave unset. */
  onUnknownSerial?: UnknownSerialHook;
  /** Primary and optional backup, e.g. https://api.mch.weixin.qq.com and https://api2.mch.weixin.qq.com. */
  baseUrls: readonly [string] | readonly [string, string];
  clock: Clock;
  /** Bound on each attempt: connect, headers and body each, and the whole attempt. */
  timeoutMs: number;
  userAgent?: string;
  /** Injected for tests or a proxy; otherwise the client owns one keep-alive Agent. */
  dispatcher?: Dispatcher;
  retry?: Partial<RetryOptions>;
  /** Injected so tests need not wait; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Observes every HTTP attempt (metrics): `endpoint` is `METHOD /path` without the query; never throws into the call. */
  onCall?: (call: { endpoint: string; status: number | 'timeout' | 'connection' | 'error'; durationMs: number }) => void;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  requestId: string | undefined;
}

export interface RequestSpec {
  method: 'GET' | 'POST';
  /** Path plus query exactly as sent and signed, e.g. `/v3/pay/transactions/id/42?mchid=1`. */
  path: string;
  body?: unknown;
  /** `false` only for the bill file (spec §2.1) and the certificate download, which verifies with what it decrypts. */
  verify?: boolean;
  maxResponseBytes?: number;
}

/** WeChat closes idle connections after 8 s (spec §9); close ours first so a request never lands on a dying socket. */
export const KEEP_ALIVE_MS = 7_000;
const DEFAULT_MAX_JSON_BYTES = 1 << 20;
/** The bill file is unsigned (spec §2.1); the certificate download is verified by its caller with the certificates it decrypts. */
const UNVERIFIED_PATHS = /^\/v3\/(?:billdownload\/file|certificates)$/;
// WeChat may refuse requests without a meaningful User-Agent (spec §1.4); this mirrors the Go SDK's shape.
const DEFAULT_USER_AGENT = `Anfu/0.1 (${process.platform}) Node/${process.versions.node}`;

/**
 * Signs, sends, retries and verifies calls to WeChat Pay APIv3. It cannot be built without a
 * verifier, and every 2xx answer is verified unless the caller names one of the unsigned endpoints.
 */
export class WechatPayClient {
  readonly mchid: string;
  readonly appid: string | undefined;
  readonly #opts: WechatPayClientOptions;
  readonly #origins: string[];
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #validator: ResponseValidator;
  readonly #retry: RetryOptions;

  constructor(opts: WechatPayClientOptions) {
    if (!(opts.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    this.mchid = opts.mchid;
    this.appid = opts.appid;
    this.#opts = opts;
    this.#origins = opts.baseUrls.map((u) => new URL(u).origin);
    this.#retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.#validator = new ResponseValidator({ verifier: opts.verifier, clock: opts.clock, ...(opts.onUnknownSerial ? { onUnknownSerial: opts.onUnknownSerial } : {}) });
    this.#ownsDispatcher = opts.dispatcher === undefined;
    this.#dispatcher =
      opts.dispatcher ??
      new Agent({
        keepAliveTimeout: KEEP_ALIVE_MS,
        keepAliveMaxTimeout: KEEP_ALIVE_MS,
        connect: { timeout: opts.timeoutMs },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      });
  }

  /** The origins requests may go to; a bill `download_url` must point at one of them. */
  get origins(): readonly string[] {
    return this.#origins;
  }

  get validator(): ResponseValidator {
    return this.#validator;
  }

  /** Sends a request and parses the verified JSON answer with `schema`. */
  async json<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.infer<S>> {
    const res = await this.send(spec);
    let value: unknown;
    try {
      value = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw new WechatPayResponseError('malformed_json', `answer to ${spec.method} ${pathOnly(spec.path)} is not JSON`, res.requestId);
    }
    const r = schema.safeParse(value);
    if (!r.success) {
      const paths = r.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5).join(', ');
      throw new WechatPayResponseError('unexpected_shape', `answer to ${spec.method} ${pathOnly(spec.path)} does not match the spec at ${paths}`, res.requestId);
    }
    return r.data;
  }

  /**
   * Sends with retries (retry-policy.ts). The body is serialised once; every attempt signs exactly
   * those bytes with a fresh nonce and timestamp. Returns 2xx answers; throws WechatPayApiError otherwise.
   */
  async send(spec: RequestSpec): Promise<RawResponse> {
    if (spec.verify === false && !UNVERIFIED_PATHS.test(pathOnly(spec.path))) {
      // Verification is not a caller's option: only the two endpoints that cannot be verified here may skip it.
      throw new TypeError(`${spec.method} ${pathOnly(spec.path)} is always verified; verify:false is only for the bill file and the certificate download`);
    }
    const bodyText = spec.body === undefined ? '' : JSON.stringify(spec.body);
    const sleep = this.#opts.sleep ?? defaultSleep;
    let originIndex = 0;
    for (let attempt = 1; ; attempt++) {
      const origin = this.#origins[originIndex]!;
      let outcome: AttemptOutcome;
      let failure: Error;
      const started = performance.now();
      let observed = false;
      try {
        const res = await this.#attempt(origin, spec, bodyText);
        observed = true;
        this.#observe(spec, res.status, started);
        if (res.status >= 200 && res.status < 300) {
          if (spec.verify !== false) await this.#validator.validate(res.headers, res.body);
          return res;
        }
        const retryAfterSeconds = parseRetryAfter(single(res.headers['retry-after']), this.#opts.clock.now());
        failure = apiErrorFromResponse(res.status, res.body.toString('utf8'), res.requestId, retryAfterSeconds);
        outcome = { kind: 'http', status: res.status, retryAfterSeconds };
      } catch (e) {
        const kind = classifyTransportError(e);
        if (!observed) this.#observe(spec, kind ?? 'error', started);
        if (kind === undefined) throw e;
        outcome = { kind };
        failure = new WechatPayTransportError(kind, `${spec.method} ${pathOnly(spec.path)} failed: ${kind === 'timeout' ? `no answer within ${this.#opts.timeoutMs} ms` : 'could not reach WeChat Pay'}`, attempt, { cause: e });
      }
      const decision = decideRetry(outcome, attempt, this.#retry, this.#opts.random);
      if (!decision.retry) {
        if (failure instanceof WechatPayTransportError) throw new WechatPayTransportError(failure.reason, failure.message, attempt, { cause: failure.cause });
        throw failure;
      }
      // Stay on the backup for the rest of this request once the primary failed to connect.
      if (decision.failover && this.#origins.length > 1) originIndex = 1;
      await sleep(decision.delayMs);
    }
  }

  #observe(spec: RequestSpec, status: number | 'timeout' | 'connection' | 'error', started: number): void {
    try {
      this.#opts.onCall?.({ endpoint: `${spec.method} ${pathOnly(spec.path)}`, status, durationMs: performance.now() - started });
    } catch {
      /* an observer must never change the call's outcome */
    }
  }

  async #attempt(origin: string, spec: RequestSpec, bodyText: string): Promise<RawResponse> {
    const authorization = await buildAuthorization(this.#opts.signer, {
      method: spec.method,
      canonicalUrl: spec.path,
      body: bodyText,
      timestamp: unixSeconds(this.#opts.clock),
    });
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#opts.userAgent ?? DEFAULT_USER_AGENT,
      authorization,
    };
    const serial = this.#opts.verifier.acceptSerial();
    if (serial !== undefined) headers['wechatpay-serial'] = serial;
    if (spec.method !== 'GET') headers['content-type'] = 'application/json';
    const { timeoutMs } = this.#opts;
    const res = await this.#dispatcher.request({
      origin,
      path: spec.path,
      method: spec.method,
      headers,
      body: spec.method === 'GET' ? undefined : bodyText,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readLimited(res.body, spec.maxResponseBytes ?? DEFAULT_MAX_JSON_BYTES);
    return { status: res.statusCode, headers: res.headers, body, requestId: single(res.headers['request-id']) };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }
}

async function readLimited(stream: AsyncIterable<Buffer | Uint8Array>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw new WechatPayResponseError('unexpected_shape', `answer larger than ${limit} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Maps undici/node errors to retry-policy outcomes; undefined for anything that is not a transport failure. */
export function classifyTransportError(e: unknown): 'connection' | 'timeout' | undefined {
  if (!(e instanceof Error)) return undefined;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (CONNECTION_CODES.has(code)) return 'connection';
      if (TIMEOUT_CODES.has(code)) return 'timeout';
    }
    if (cur instanceof AggregateError) {
      const inner = cur.errors.map(classifyTransportError).find((k) => k !== undefined);
      if (inner) return inner;
    }
  }
  return undefined;
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
}

/** Error messages name the path, never the query (it can hold tokens such as the bill download token). */
function pathOnly(path: string): string {
  const i = path.indexOf('?');
  return i === -1 ? path : path.slice(0, i);
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
