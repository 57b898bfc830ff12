import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/config.ts';
import type { Merchant } from './domain/merchant.ts';
import { liveStartProblems } from './serve-command.ts';

function merchant(over: Partial<Merchant> = {}): Merchant {
  return {
    id: 'mer_1',
    name: 'Shop',
    mchid: '1900000001',
    appid: 'wx0123456789abcdef',
    mode: 'live',
    h5Domains: ['shop.example.com'],
    webhookUrl: 'https://shop.example.com/hooks',
    wechatApiBaseUrl: 'https://api.mch.weixin.qq.com',
    wechatApiBackupUrl: 'https://api2.mch.weixin.qq.com',
    keyMode: 'public_key',
    merchantSerial: 'ABC',
    disabledAt: null,
    createdAt: new Date(0),
    ...over,
  };
}

const codes = (env: Record<string, string>, ms: Merchant[]) => liveStartProblems(loadConfig(env), ms).map((p) => p.code);

describe('anfu serve in live mode', () => {
  it('starts with an https public URL and a live merchant that talks to WeChat', () => {
    expect(codes({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'https://pay.example.com' }, [merchant()])).toEqual([]);
  });

  it('refuses sandbox defaults: no public URL, and no live merchant', () => {
    expect(codes({ ANFU_MODE: 'live' }, [])).toEqual(['public_url_required', 'no_live_merchant']);
  });

  it('refuses a plain-http or loopback public URL', () => {
    expect(codes({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'http://pay.example.com' }, [merchant()])).toEqual(['public_url_not_https']);
    expect(codes({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'https://127.0.0.1:8443' }, [merchant()])).toEqual(['public_url_not_public']);
    expect(codes({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'https://localhost' }, [merchant()])).toEqual(['public_url_not_public']);
  });

  it('refuses merchants pointing at a loopback simulator, and ignores disabled ones', () => {
    const sim = merchant({ id: 'mer_sim', mode: 'sandbox', wechatApiBaseUrl: 'http://127.0.0.1:39435', wechatApiBackupUrl: null });
    const problems = liveStartProblems(loadConfig({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'https://pay.example.com' }), [merchant(), sim]);
    expect(problems.map((p) => p.code)).toEqual(['merchant_points_at_simulator']);
    expect(problems[0]!.message).toContain('mer_sim');
    expect(codes({ ANFU_MODE: 'live', ANFU_PUBLIC_URL: 'https://pay.example.com' }, [merchant(), { ...sim, disabledAt: new Date(0) }])).toEqual([]);
  });

  it('checks nothing in sandbox mode', () => {
    expect(codes({}, [])).toEqual([]);
  });
});
