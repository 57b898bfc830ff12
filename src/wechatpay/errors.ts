/**
 * Errors of the protocol layer. Messages never include bodies, headers or key material;
 * the Request-ID is kept because WeChat support asks for it.
 */
export type VerificationFailure =
  | 'missing_header'
  | 'timestamp_invalid'
  | 'timestamp_out_of_window'
  | 'unknown_serial'
  | 'certificate_expired'
  | 'signature_probe'
  | 'signature_malformed'
  | 'signature_mismatch';

export class WechatPayVerificationError extends Error {
  readonly reason: VerificationFailure;
  constructor(reason: VerificationFailure, message: string) {
    super(message);
    this.name = 'WechatPayVerificationError';
    this.reason = reason;
  }
}

export type DecryptFailure = 'unsupported_algorithm' | 'bad_key' | 'bad_nonce' | 'bad_ciphertext' | 'auth_failed';

export class WechatPayDecryptError extends Error {
  readonly reason: DecryptFailure;
  constructor(reason: DecryptFailure, message: string) {
    super(message);
    this.name = 'WechatPayDecryptError';
    this.reason = reason;
  }
}

export class WechatPayKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatPayKeyError';
  }
}
