import type { KeyObject } from 'node:crypto';
import { responseMessage } from './message.ts';
import { newNonce, signSha256WithRsa } from './signer.ts';

/**
 * Signs an answer or a notification the way WeChat Pay does (spec §2.1): SHA256withRSA over
 * `ts\nnonce\nbody\n` with the platform key. Used by the simulator and by tests acting as WeChat.
 */
// A type alias (not an interface) so it is assignable to plain header records.
export type SignedResponseHeaders = {
  'Wechatpay-Timestamp': string;
  'Wechatpay-Nonce': string;
  'Wechatpay-Signature': string;
  'Wechatpay-Serial': string;
};

export function signResponse(
  privateKey: KeyObject,
  opts: { serial: string; body: string; timestamp: number; nonce?: string },
): SignedResponseHeaders {
  const nonce = opts.nonce ?? newNonce();
  const timestamp = String(opts.timestamp);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Signature': signSha256WithRsa(privateKey, responseMessage(timestamp, nonce, opts.body)),
    'Wechatpay-Serial': opts.serial,
  };
}
