import { z } from 'zod';

/**
 * A non-2xx answer from WeChat Pay (spec §6.1). Codes are compared in normalised form because
 * the docs spell the same code both ways (`SYSTEMERROR` / `SYSTEM_ERROR`, §10.1).
 * The message is WeChat's own text (never our request); `detail` is kept for `detail.field`.
 */
export interface ApiErrorDetail {
  field?: string | undefined;
  value?: unknown;
  issue?: string | undefined;
  location?: string | undefined;
  [k: string]: unknown;
}

export class WechatPayApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly normalisedCode: string;
  readonly detail: ApiErrorDetail | undefined;
  readonly requestId: string | undefined;
  /** Seconds from a Retry-After header, when WeChat sent one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(opts: { status: number; code: string; message: string; detail?: ApiErrorDetail | undefined; requestId?: string | undefined; retryAfterSeconds?: number | undefined }) {
    super(`WeChat Pay answered ${opts.status} ${opts.code}: ${opts.message}${opts.requestId ? ` (Request-ID ${opts.requestId})` : ''}`);
    this.name = 'WechatPayApiError';
    this.status = opts.status;
    this.code = opts.code;
    this.normalisedCode = normaliseCode(opts.code);
    this.detail = opts.detail;
    this.requestId = opts.requestId;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** True when this error carries `code`, however either side spells it. */
  is(code: string): boolean {
    return this.normalisedCode === normaliseCode(code);
  }
}

/** `system_error`, `SYSTEMERROR` and `SYSTEM_ERROR` all become `SYSTEMERROR`. */
export function normaliseCode(code: string): string {
  return code.replace(/_/g, '').toUpperCase();
}

const errorBodySchema = z.looseObject({
  code: z.string().min(1).max(64),
  message: z.string().max(2000).optional(),
  detail: z.looseObject({ field: z.string().optional(), issue: z.string().optional(), location: z.string().optional() }).optional(),
});

/** Builds the error from a raw error body; bodies that are not WeChat's JSON become `HTTP_<status>`. */
export function apiErrorFromResponse(status: number, rawBody: string, requestId: string | undefined, retryAfterSeconds?: number): WechatPayApiError {
  let parsed: z.infer<typeof errorBodySchema> | undefined;
  try {
    const r = errorBodySchema.safeParse(JSON.parse(rawBody));
    if (r.success) parsed = r.data;
  } catch {
    parsed = undefined;
  }
  return new WechatPayApiError({
    status,
    code: parsed?.code ?? `HTTP_${status}`,
    message: parsed?.message ?? 'no WeChat error body',
    detail: parsed?.detail ? withoutEchoedMessage(parsed.detail as ApiErrorDetail) : undefined,
    requestId,
    retryAfterSeconds,
  });
}

/**
 * A SIGN_ERROR detail echoes the start of the message WeChat verified (`truncated_sign_message`,
 * spec §6.1): our nonce, timestamp and body. Keep its length, method and url for debugging, drop the text.
 */
function withoutEchoedMessage(detail: ApiErrorDetail): ApiErrorDetail {
  const info = detail.sign_information;
  if (info === null || typeof info !== 'object' || !('truncated_sign_message' in info)) return detail;
  const { truncated_sign_message: _dropped, ...rest } = info as Record<string, unknown>;
  return { ...detail, sign_information: rest };
}
