import { useId } from 'react';
import { barHeights, niceMax } from './scale.ts';

export interface Bar {
  label: string;
  value: number;
}

/**
 * A hand-written SVG bar chart (a charting library would triple the bundle). Presentation attributes
 * only, no style attribute, so the CSP's style-src 'self' holds. The data is also given as a visually
 * hidden table for screen readers.
 */
export function BarChart({ title, bars, format }: { title: string; bars: Bar[]; format(v: number): string }) {
  const id = useId();
  const W = 600;
  const H = 200;
  const gap = 4;
  const heights = barHeights(
    bars.map((b) => b.value),
    H,
  );
  const bw = bars.length ? (W - gap * (bars.length - 1)) / bars.length : W;
  return (
    <figure className="chart">
      <figcaption id={id}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H + 28}`} role="img" aria-labelledby={id} preserveAspectRatio="none" className="chart-svg">
        <line x1="0" y1={H} x2={W} y2={H} className="chart-axis" />
        {bars.map((b, i) => (
          <rect key={b.label} x={i * (bw + gap)} y={H - heights[i]!} width={Math.max(1, bw)} height={heights[i]} className="chart-bar">
            <title>{`${b.label}: ${format(b.value)}`}</title>
          </rect>
        ))}
        <text x="0" y={H + 24} className="chart-label">
          {bars[0]?.label ?? ''}
        </text>
        <text x={W} y={H + 24} textAnchor="end" className="chart-label">
          {bars.at(-1)?.label ?? ''}
        </text>
        <text x={W} y="20" textAnchor="end" className="chart-label">
          {format(niceMax(bars.map((b) => b.value)))}
        </text>
      </svg>
      <table className="sr-only">
        <caption>{title}</caption>
        <tbody>
          {bars.map((b) => (
            <tr key={b.label}>
              <th scope="row">{b.label}</th>
              <td>{format(b.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
