/** A "nice" maximum for an axis: 1, 2 or 5 × 10^n at or above the largest value (at least 1). */
export function niceMax(values: readonly number[]): number {
  const max = Math.max(1, ...values.filter((v) => Number.isFinite(v)));
  const pow = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * pow >= max) return m * pow;
  return 10 * pow;
}

/** Bar heights in SVG units for a plot of `height`, never negative, never above the plot. */
export function barHeights(values: readonly number[], height: number): number[] {
  const top = niceMax(values);
  return values.map((v) => (Number.isFinite(v) && v > 0 ? Math.min(height, (v / top) * height) : 0));
}
