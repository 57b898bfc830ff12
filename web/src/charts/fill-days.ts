/** The read model's days are calendar days in China Standard Time (Asia/Shanghai, no DST). */
const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

export interface DayPoint {
  day: string;
  created: number;
  paid: number;
  paid_amount: number;
}

/** Every day of [from, to] in order, with zeros where the series has no row, so bars keep their place. */
export function fillDays(series: readonly DayPoint[], from: Date, to: Date): DayPoint[] {
  const byDay = new Map(series.map((p) => [p.day, p]));
  const out: DayPoint[] = [];
  const seen = new Set<string>();
  for (let t = from.getTime(); t <= to.getTime() + 86_399_999; t += 86_400_000) {
    const day = dayOf.format(new Date(Math.min(t, to.getTime())));
    if (seen.has(day)) continue;
    seen.add(day);
    out.push(byDay.get(day) ?? { day, created: 0, paid: 0, paid_amount: 0 });
  }
  return out;
}
