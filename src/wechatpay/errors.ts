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

export type NotificationFailure = 'unsupported_signature_type' | 'malformed_body' | 'unsupported_algorithm' | 'malformed_resource';

/** A notification that verified but whose body or decrypted resource is not what the spec describes. */
export class WechatPayNotificationError extends Error {
  readonly reason: NotificationFailure;
  constructor(reason: NotificationFailure, message: string) {
    super(message);
    this.name = 'WechatPayNotificationError';
    this.reason = reason;
  }
}

export type TransportFailure = 'timeout' | 'connection' | 'aborted';

/** The request never got an HTTP answer (after any retries): the outcome at WeChat is unknown. */
export class WechatPayTransportError extends Error {
  readonly reason: TransportFailure;
  readonly attempts: number;
  constructor(reason: TransportFailure, message: string, attempts: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WechatPayTransportError';
    this.reason = reason;
    this.attempts = attempts;
  }
}

export type ResponseFailure = 'malformed_json' | 'unexpected_shape' | 'bill_hash_mismatch' | 'bill_malformed' | 'bill_gzip';

/** A verified 2xx answer (or a bill file) whose content is unusable. */
export class WechatPayResponseError extends Error {
  readonly reason: ResponseFailure;
  readonly requestId: string | undefined;
  constructor(reason: ResponseFailure, message: string, requestId?: string) {
    super(message);
    this.name = 'WechatPayResponseError';
    this.reason = reason;
    this.requestId = requestId;
  }
}

/** A request we refuse to send because it breaks WeChat's field rules; `field` is a JSON Pointer. */
export class WechatPayInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'WechatPayInputError';
    this.field = field;
  }
}
