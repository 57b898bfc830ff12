import { en, type MessageKey } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export const catalogues: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export type Params = Record<string, string | number>;

/** Looks a key up and fills `{name}` placeholders; an unknown placeholder is left visible, never blank. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const template = catalogues[lang][key] ?? en[key];
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The stored choice, else the browser's language: Chinese for any zh-*, English otherwise. */
export function initialLang(stored: string | null, browser: readonly string[]): Lang {
  if (stored === 'zh-CN' || stored === 'en') return stored;
  for (const l of browser) {
    if (/^zh\b/i.test(l)) return 'zh-CN';
    if (/^en\b/i.test(l)) return 'en';
  }
  return 'zh-CN';
}

export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
}
