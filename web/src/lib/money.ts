/**
 * Money in the console is integer fen, as everywhere in Anfu. These helpers convert at the edge only,
 * with integer arithmetic (never a float multiplication: 0.29 * 100 is 28.999…).
 */
const GROUPS = /\B(?=(\d{3})+(?!\d))/g;

/** 123456 → "¥1,234.56"; -5 → "-¥0.05". */
export function formatFen(fen: number): string {
  if (!Number.isSafeInteger(fen)) return '—';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toString().replace(GROUPS, ',');
  const cents = (abs % 100).toString().padStart(2, '0');
  return `${sign}¥${yuan}.${cents}`;
}

/** "12.3" → 1230; "0.05" → 5; rejects more than two decimals, signs, exponents and empty input. */
export function parseYuanToFen(input: string): number | null {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(input);
  if (!m) return null;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(2, '0'));
  const fen = whole * 100 + frac;
  return Number.isSafeInteger(fen) ? fen : null;
}

/** 0.9731 → "97.3%"; null for an undefined rate (no payments yet). */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}
