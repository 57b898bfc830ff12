/**
 * An error answered the way WeChat Pay answers: a status, a code, a Chinese message and an
 * optional `detail` (spec §6.1). Thrown inside routes and turned into JSON by the server.
 */
export interface SimErrorDetail {
  field?: string;
  value?: unknown;
  issue?: string;
  location?: 'body' | 'query' | 'url' | 'header' | 'authorization';
  [k: string]: unknown;
}

export class SimError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: SimErrorDetail | undefined;

  constructor(status: number, code: string, message: string, detail?: SimErrorDetail) {
    super(message);
    this.name = 'SimError';
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  toJSON(): { code: string; message: string; detail?: SimErrorDetail } {
    return this.detail ? { code: this.code, message: this.message, detail: this.detail } : { code: this.code, message: this.message };
  }
}

export function paramError(message: string, detail?: SimErrorDetail): SimError {
  return new SimError(400, 'PARAM_ERROR', message, detail);
}

/**
 * WeChat appends an internal error number to the Request-ID of failed calls (spec §6.3 "TOP 20");
 * the gateway's logs can map them, so the simulator mimics the common ones.
 */
const INTERNAL_NUMBERS: Record<string, number> = {
  PARAM_ERROR: 268435461,
  SIGN_ERROR: 268443699,
  ORDER_NOT_EXIST: 268512771,
  FREQUENCY_LIMITED: 268447840,
  OUT_TRADE_NO_USED: 268498688,
  ORDER_PAID: 268449538,
  APPID_MCHID_NOT_MATCH: 268445527,
  EXTRA_PARAMETER: 270924358,
};

export function internalNumber(err: SimError): number {
  if (err.code === 'PARAM_ERROR' && err.message.includes('额外参数')) return INTERNAL_NUMBERS.EXTRA_PARAMETER!;
  return INTERNAL_NUMBERS[err.code] ?? 268435455;
}
