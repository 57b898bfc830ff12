/** `matchPath('/payments/:id', '/payments/pay_1')` → `{ id: 'pay_1' }`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = path.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    const seg = a[i]!;
    const got = b[i]!;
    if (seg.startsWith(':')) {
      try {
        params[seg.slice(1)] = decodeURIComponent(got);
      } catch {
        return null;
      }
    } else if (seg !== got) return null;
  }
  return params;
}
