import { createElement, type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { vi } from 'vitest';
import { I18nProvider } from '../i18n/i18n-context.tsx';
import type { Lang } from '../i18n/translate.ts';

/**
 * The HTML a component renders in `lang` (server rendering: no effects, no DOM), for unit tests of
 * markup: table semantics, labels, disabled buttons, texts in both languages. Never imported by the app.
 */
export function renderMarkup(element: ReactElement, lang: Lang = 'en'): string {
  vi.stubGlobal('navigator', { languages: [lang], language: lang });
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
  try {
    return renderToStaticMarkup(createElement(I18nProvider, null, element));
  } finally {
    vi.unstubAllGlobals();
  }
}
