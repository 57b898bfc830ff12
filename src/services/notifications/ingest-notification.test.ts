import { describe, expect, it } from 'vitest';
import { WechatPayDecryptError, WechatPayNotificationError, WechatPayVerificationError } from '../../wechatpay/errors.ts';
import { rejectionReason, storableHeaders } from './ingest-notification.ts';

describe('inbox helpers', () => {
  it('stores headers lower-cased, without cookies or credentials, repeated ones joined (so they still fail closed)', () => {
    expect(
      storableHeaders({
        'Wechatpay-Serial': 'PUB_KEY_ID_1',
        Cookie: 'session=secret',
        authorization: 'Bearer sk_live_x',
        'wechatpay-nonce': ['a', 'b'],
        'x-missing': undefined,
      }),
    ).toEqual({ 'wechatpay-serial': 'PUB_KEY_ID_1', 'wechatpay-nonce': 'a, b' });
  });

  it('names each protocol failure with a stable reason and leaves our own errors to become a 500', () => {
    expect(rejectionReason(new WechatPayVerificationError('signature_probe', 'm'))).toBe('verification:signature_probe');
    expect(rejectionReason(new WechatPayDecryptError('auth_failed', 'm'))).toBe('decrypt:auth_failed');
    expect(rejectionReason(new WechatPayNotificationError('malformed_resource', 'm'))).toBe('notification:malformed_resource');
    expect(rejectionReason(new Error('connection terminated'))).toBeUndefined();
  });
});
