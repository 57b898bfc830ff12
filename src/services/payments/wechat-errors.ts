import { AppError } from '../../lib/errors.ts';
import { WechatPayApiError } from '../../wechatpay/api-error.ts';
import {
  WechatPayInputError,
  WechatPayResponseError,
  WechatPayTransportError,
  WechatPayVerificationError,
  WechatPayDecryptError,
} from '../../wechatpay/errors.ts';

/**
 * What a failed WeChat call means for the money path:
 *  - `definitive`: WeChat answered and refused; nothing was created there, so the local record may be
 *    marked failed (or the refund reservation released);
 *  - `unknown`: no trustworthy answer (5xx, timeout, reset, 429, an answer that failed verification):
 *    WeChat may or may not have acted, so the record stays as it is for re-entry or the query job.
 * Messages are our own; WeChat's code, message and `detail.field` go into `details` (they describe our
 * request, never secrets).
 */
export interface ClassifiedWechatError {
  error: AppError;
  outcome: 'definitive' | 'unknown';
  /** WeChat's code in normalised form (`ORDERPAID`), when WeChat answered. */
  wechatCode?: string;
}

const DEFINITIVE: Record<string, { kind: AppError['kind']; code: string; message: string }> = {
  PARAMERROR: { kind: 'invalid_input', code: 'wechat_param_error', message: 'WeChat Pay rejected a parameter.' },
  INVALIDREQUEST: { kind: 'invalid_input', code: 'wechat_param_error', message: 'WeChat Pay rejected a parameter.' },
  APPIDMCHIDNOTMATCH: { kind: 'unprocessable', code: 'wechat_appid_mchid_mismatch', message: 'The AppID is not bound to the merchant ID.' },
  MCHNOTEXISTS: { kind: 'unprocessable', code: 'wechat_appid_mchid_mismatch', message: 'WeChat Pay does not know this merchant ID.' },
  NOAUTH: { kind: 'unprocessable', code: 'wechat_no_auth', message: 'The merchant lacks permission for this product.' },
  OUTTRADENOUSED: { kind: 'conflict', code: 'wechat_out_trade_no_used', message: 'The out_trade_no was used with different parameters.' },
  ORDERCLOSED: { kind: 'conflict', code: 'wechat_order_closed', message: 'The order is closed.' },
  ORDERPAID: { kind: 'conflict', code: 'wechat_order_paid', message: 'The order is already paid.' },
  ORDERNOTEXIST: { kind: 'not_found', code: 'wechat_order_not_exist', message: 'WeChat Pay has no such order.' },
  RESOURCENOTEXISTS: { kind: 'not_found', code: 'wechat_order_not_exist', message: 'WeChat Pay has no such order.' },
  SIGNERROR: { kind: 'upstream', code: 'wechat_sign_error', message: 'WeChat Pay could not verify our signature.' },
  NOTENOUGH: { kind: 'unprocessable', code: 'wechat_not_enough', message: 'The merchant balance is insufficient.' },
  RULELIMIT: { kind: 'unprocessable', code: 'wechat_rule_limit', message: 'Blocked by a WeChat Pay business rule.' },
  USERACCOUNTABNORMAL: { kind: 'unprocessable', code: 'wechat_rule_limit', message: 'The payer account is abnormal.' },
};

export function classifyWechatError(e: unknown): ClassifiedWechatError | null {
  if (e instanceof WechatPayApiError) {
    const details: Record<string, unknown> = { wechat_code: e.code, wechat_message: e.message.slice(0, 300) };
    if (e.detail?.field) details.field = e.detail.field;
    if (e.requestId) details.wechat_request_id = e.requestId;
    if (e.status === 429 || e.is('FREQUENCY_LIMITED')) {
      return { error: new AppError('rate_limited', 'wechat_rate_limited', 'Rate limited by WeChat Pay; retry later.', details), outcome: 'unknown', wechatCode: e.normalisedCode };
    }
    if (e.status >= 500) {
      return { error: new AppError('unavailable', 'wechat_unavailable', 'WeChat Pay is temporarily unavailable; retry later.', details), outcome: 'unknown', wechatCode: e.normalisedCode };
    }
    const known = DEFINITIVE[e.normalisedCode];
    if (known) return { error: new AppError(known.kind, known.code, known.message, details), outcome: 'definitive', wechatCode: e.normalisedCode };
    return { error: new AppError('upstream', 'wechat_error', 'WeChat Pay returned an error.', details), outcome: 'definitive', wechatCode: e.normalisedCode };
  }
  if (e instanceof WechatPayTransportError) {
    return { error: new AppError('unavailable', 'wechat_unavailable', 'WeChat Pay did not answer in time; retry later.', { reason: e.reason }), outcome: 'unknown' };
  }
  if (e instanceof WechatPayResponseError || e instanceof WechatPayVerificationError || e instanceof WechatPayDecryptError) {
    return { error: new AppError('upstream', 'wechat_response_invalid', 'The answer from WeChat Pay failed verification.'), outcome: 'unknown' };
  }
  if (e instanceof WechatPayInputError) {
    // Refused before sending: our own validation, so nothing exists at WeChat.
    return { error: new AppError('invalid_input', 'wechat_param_error', 'A parameter breaks WeChat Pay’s rules.', { field: e.field }), outcome: 'definitive' };
  }
  return null;
}

/** Rethrows anything that is not a WeChat error untouched; otherwise returns its classification. */
export function classifyOrRethrow(e: unknown): ClassifiedWechatError {
  const c = classifyWechatError(e);
  if (!c) throw e;
  return c;
}
