import { describe, expect, it } from 'vitest';
import { WechatPayApiError, apiErrorFromResponse, normaliseCode } from './api-error.ts';

describe('WechatPayApiError', () => {
  it('treats SYSTEMERROR and SYSTEM_ERROR as the same code', () => {
    const e = apiErrorFromResponse(500, '{"code":"SYSTEMERROR","message":"系统错误"}', 'req-1');
    expect(e.code).toBe('SYSTEMERROR');
    expect(e.normalisedCode).toBe(normaliseCode('SYSTEM_ERROR'));
    expect(e.is('SYSTEM_ERROR')).toBe(true);
    expect(e.is('ORDER_NOT_EXIST')).toBe(false);
  });

  it('keeps status, message, detail.field and Request-ID', () => {
    const e = apiErrorFromResponse(400, JSON.stringify({ code: 'PARAM_ERROR', message: '参数错误', detail: { field: '/amount/total', location: 'body', value: 0 } }), 'abc-268435461');
    expect(e).toBeInstanceOf(WechatPayApiError);
    expect(e).toMatchObject({ status: 400, code: 'PARAM_ERROR', requestId: 'abc-268435461', detail: { field: '/amount/total', location: 'body' } });
    expect(e.message).toContain('参数错误');
    expect(e.message).toContain('abc-268435461');
  });

  it('turns a body that is not WeChat error JSON into HTTP_<status> without echoing it', () => {
    const e = apiErrorFromResponse(502, '<html>secret-token-123</html>', undefined);
    expect(e.code).toBe('HTTP_502');
    expect(e.message).not.toContain('secret-token-123');
  });

  it('drops the echoed sign message from a SIGN_ERROR detail but keeps the rest', () => {
    const body = { code: 'SIGN_ERROR', message: '错误的签名，验签失败', detail: { field: 'signature', location: 'authorization', sign_information: { method: 'POST', sign_message_length: 71, truncated_sign_message: 'POST\n/v3/x\n1\nNONCE\n{"payer":"secret"}\n', url: '/v3/x' } } };
    const e = apiErrorFromResponse(401, JSON.stringify(body), undefined);
    expect(e.detail).toEqual({ field: 'signature', location: 'authorization', sign_information: { method: 'POST', sign_message_length: 71, url: '/v3/x' } });
    expect(JSON.stringify(e.detail)).not.toContain('secret');
  });
});
