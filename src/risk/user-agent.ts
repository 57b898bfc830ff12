/**
 * A deliberately small user-agent classifier: rules only need the family, and the order of the
 * checks matters because in-app browsers and Edge all carry "Chrome" and "Safari" tokens too.
 */
export const UA_FAMILIES = ['wechat', 'alipay', 'edge', 'firefox', 'chrome', 'safari', 'other'] as const;
export type UaFamily = (typeof UA_FAMILIES)[number];

const CHECKS: ReadonlyArray<readonly [RegExp, UaFamily]> = [
  [/MicroMessenger\//i, 'wechat'],
  [/AlipayClient|AliApp\(AP/i, 'alipay'],
  [/\bEdg(e|A|iOS)?\//, 'edge'],
  [/\b(Firefox|FxiOS)\//, 'firefox'],
  [/\b(Chrome|CriOS|Chromium)\//, 'chrome'],
  // Real Safari says "Version/x Safari/y"; many embedded webviews say Safari without Version.
  [/\bVersion\/[\d.]+.*\bSafari\//, 'safari'],
];

export function uaFamily(userAgent: string | undefined): UaFamily {
  if (!userAgent) return 'other';
  for (const [pattern, family] of CHECKS) {
    if (pattern.test(userAgent)) return family;
  }
  return 'other';
}
