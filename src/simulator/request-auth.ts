import { verify as rsaVerify } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import { parseAuthorization } from '../wechatpay/signer.ts';
import { normaliseSerial } from '../wechatpay/keys.ts';
import { decodeBase64Strict } from '../wechatpay/verifier.ts';
import { safeEqual } from '../lib/secret.ts';
import { SimError } from './sim-error.ts';
import type { SandboxMerchant } from './sandbox-merchant.ts';

/** WeChat's request window: |now − timestamp| must stay under five minutes (spec §1.1). */
const WINDOW_SECONDS = 300;

export interface SignedRequest {
  method: string;
  /** Path plus query exactly as received on the wire. */
  rawUrl: string;
  authorization: string | undefined;
  body: Buffer;
}

function signError(message: string, detail?: Record<string, unknown>): SimError {
  return new SimError(401, 'SIGN_ERROR', message, detail);
}

/**
 * Checks a merchant request the way WeChat does (spec §1): the Authorization header parses, the
 * merchant exists, `serial_no` names the merchant certificate, the timestamp is inside the window,
 * and the signature verifies over the exact bytes received. Returns the header mchid.
 */
export function authenticateRequest(req: SignedRequest, merchant: SandboxMerchant, clock: Clock): string {
  if (!req.authorization) throw signError('Http头缺少Authorization');
  const auth = parseAuthorization(req.authorization);
  if (!auth) throw signError('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》', { field: 'authorization', location: 'header' });
  if (!safeEqual(auth.mchid, merchant.json.mchid)) {
    throw new SimError(400, 'MCH_NOT_EXISTS', '商户号不存在');
  }
  if (normaliseSerial(auth.serial_no) !== merchant.merchantCertificate.serial) {
    throw signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号', { field: 'serial_no', location: 'authorization' });
  }
  if (!/^\d{10}$/.test(auth.timestamp) || Math.abs(clock.now() / 1000 - Number(auth.timestamp)) >= WINDOW_SECONDS) {
    throw signError('Http头Authorization中的timestamp与发起请求的时间不得超过5分钟', { field: 'timestamp', location: 'authorization' });
  }
  const signature = decodeBase64Strict(auth.signature);
  const head = Buffer.from(`${req.method.toUpperCase()}\n${req.rawUrl}\n${auth.timestamp}\n${auth.nonce_str}\n`, 'utf8');
  const message = Buffer.concat([head, req.body, Buffer.from('\n')]);
  if (!signature || !rsaVerify('sha256', message, merchant.merchantCertificate.publicKey, signature)) {
    // WeChat echoes what it signed (truncated) so merchants can compare with their own message.
    throw signError('错误的签名，验签失败', {
      detail: { issue: 'sign not match' },
      field: 'signature',
      location: 'authorization',
      sign_information: {
        method: req.method.toUpperCase(),
        sign_message_length: message.length,
        truncated_sign_message: message.subarray(0, 256).toString('utf8'),
        url: req.rawUrl.split('?')[0],
      },
    });
  }
  return auth.mchid;
}
