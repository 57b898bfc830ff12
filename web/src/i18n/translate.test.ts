import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';
import { catalogues, initialLang, placeholders, translate } from './translate.ts';

describe('message catalogues', () => {
  it('define exactly the same keys in both languages', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });
  it('have no empty message and the same placeholders in each translation', () => {
    for (const [key, text] of Object.entries(en)) {
      const zh = zhCN[key as keyof typeof en];
      expect(text.trim(), key).not.toBe('');
      expect(zh.trim(), key).not.toBe('');
      expect(placeholders(zh), key).toEqual(placeholders(text));
    }
  });
  it('translate the navigation into Chinese characters, not copied English', () => {
    for (const key of Object.keys(en).filter((k) => k.startsWith('nav.'))) {
      expect(catalogues['zh-CN'][key as keyof typeof en], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('translate', () => {
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'pay.detail', { id: 'pay_1' })).toBe('Payment pay_1');
    expect(translate('zh-CN', 'pay.detail', { id: 'pay_1' })).toBe('支付单 pay_1');
    expect(translate('en', 'pay.detail', {})).toBe('Payment {id}');
  });
});

describe('initialLang', () => {
  it('prefers the stored choice, then the browser language, then Chinese', () => {
    expect(initialLang('en', ['zh-CN'])).toBe('en');
    expect(initialLang(null, ['zh-TW', 'en'])).toBe('zh-CN');
    expect(initialLang(null, ['en-GB'])).toBe('en');
    expect(initialLang('fr', ['de-DE'])).toBe('zh-CN');
  });
});
