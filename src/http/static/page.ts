import type { FastifyReply, FastifyRequest } from 'fastify';
import { assetUrl } from './static-assets.ts';

/**
 * The layout and the two languages of the payer pages. Pages are rendered on the server in zh-CN or en
 * (chosen by `?lang=`, else Accept-Language, else zh-CN); the switch is a plain link, so it works with
 * scripts off. Every interpolated value goes through `esc`.
 */
export type Lang = 'zh-CN' | 'en';

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function langOf(req: FastifyRequest): Lang {
  const q = (req.query as Record<string, unknown> | undefined)?.lang;
  if (q === 'en' || q === 'zh-CN') return q;
  const accept = String(req.headers['accept-language'] ?? '').toLowerCase();
  // The first listed language wins; payers in mainland China mostly send zh-CN first.
  return accept.startsWith('en') ? 'en' : 'zh-CN';
}

/** A string in both languages, picked at render time. */
export type Text = { 'zh-CN': string; en: string };

export function t(lang: Lang, text: Text): string {
  return text[lang];
}

export function withLang(path: string, lang: Lang): string {
  return `${path}${path.includes('?') ? '&' : '?'}lang=${encodeURIComponent(lang)}`;
}

export interface PageOptions {
  lang: Lang;
  title: string;
  /** Path of this page (without ?lang) for the language switch. */
  path: string;
  body: string;
  scripts?: string[];
  status?: number;
}

export function sendPage(reply: FastifyReply, o: PageOptions): FastifyReply {
  const other: Lang = o.lang === 'zh-CN' ? 'en' : 'zh-CN';
  const langLink = (l: Lang, label: string): string =>
    `<a href="${esc(withLang(o.path, l))}" hreflang="${l}" lang="${l}"${l === o.lang ? ' aria-current="true"' : ''}>${label}</a>`;
  const scripts = (o.scripts ?? []).map((s) => `<script src="${esc(assetUrl(s))}" defer></script>`).join('');
  const html =
    `<!doctype html><html lang="${o.lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1,viewport-fit=cover">` +
    `<title>${esc(o.title)}</title><link rel="stylesheet" href="${esc(assetUrl('anfu.css'))}">${scripts}</head>` +
    `<body><div class="wrap"><header class="top"><div class="brand">安付 Anfu<small>${o.lang === 'zh-CN' ? '支付' : 'Pay'}</small></div>` +
    `<nav class="lang" aria-label="${other === 'en' ? '语言' : 'Language'}">${langLink('zh-CN', '中文')}${langLink('en', 'English')}</nav></header>` +
    `<main>${o.body}</main></div></body></html>`;
  return reply
    .status(o.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}
