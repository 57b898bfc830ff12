import { useId } from 'react';
import { formatRate } from '../lib/money.ts';

export interface Stage {
  label: string;
  value: number;
}

/** Horizontal funnel: each stage's bar relative to the first, with the step-to-step conversion. */
export function FunnelChart({ title, stages }: { title: string; stages: Stage[] }) {
  const id = useId();
  const W = 600;
  const row = 48;
  const first = Math.max(1, stages[0]?.value ?? 0);
  return (
    <figure className="chart">
      <figcaption id={id}>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${row * stages.length}`} role="img" aria-labelledby={id} className="chart-svg funnel">
        {stages.map((s, i) => {
          const w = Math.max(2, Math.min(1, s.value / first) * (W - 260));
          const prev = i === 0 ? null : stages[i - 1]!.value;
          const conv = prev === null ? '' : ` (${formatRate(prev > 0 ? s.value / prev : null)})`;
          return (
            <g key={s.label} transform={`translate(0 ${i * row})`}>
              <rect x="0" y="6" width={w} height={row - 12} className={`funnel-bar funnel-${i}`} />
              <text x={w + 8} y={row / 2 + 8} className="chart-value">{`${s.label} ${s.value}${conv}`}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
