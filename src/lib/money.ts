/** Money is integer fen (分) everywhere; yuan strings appear only at the edges (bill CSV, display). */

export function isFen(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

/** Parses a yuan amount such as "1.00", "-0.5" or "12" into integer fen without floating point. */
export function yuanToFen(yuan: string): number {
  const s = yuan.trim();
  const m = /^(-)?(\d+)(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw new RangeError(`not a yuan amount: ${JSON.stringify(s.slice(0, 32))}`);
  const sign = m[1] ? -1 : 1;
  const whole = Number(m[2]);
  const frac = Number((m[3] ?? '').padEnd(2, '0'));
  const fen = whole * 100 + frac;
  if (!Number.isSafeInteger(fen)) throw new RangeError('yuan amount out of range');
  return sign * fen;
}

/** Formats fen as a yuan string with two decimals ("1.00"). */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError('fen must be a safe integer');
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const s = `${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}
