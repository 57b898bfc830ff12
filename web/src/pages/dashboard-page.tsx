import { useState } from 'react';
import { paths } from '../api/endpoints.ts';
import type { Dashboard } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';
import { BarChart } from '../charts/bar-chart.tsx';
import { fillDays } from '../charts/fill-days.ts';
import { FunnelChart } from '../charts/funnel-chart.tsx';
import { StatCard } from '../charts/stat-card.tsx';
import { LoadStates } from '../components/page-state.tsx';
import { useI18n } from '../i18n/i18n-context.tsx';
import { formatFen, formatRate } from '../lib/money.ts';

const RANGES = [1, 7, 30] as const;

export function DashboardPage() {
  const { t } = useI18n();
  const [days, setDays] = useState<(typeof RANGES)[number]>(7);
  // The period ends at the next whole minute (so it includes now, and re-renders do not refetch).
  const [to] = useState(() => new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000));
  const from = new Date(to.getTime() - days * 86_400_000);
  const dash = useApi<Dashboard>(paths.dashboard({ from: from.toISOString(), to: to.toISOString() }));
  return (
    <section aria-labelledby="dash-h">
      <div className="page-head">
        <h1 id="dash-h">{t('dash.title')}</h1>
        <label className="inline">
          {t('dash.range')}{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as (typeof RANGES)[number])}>
            {RANGES.map((d) => (
              <option key={d} value={d}>
                {t(`dash.range.${d}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LoadStates state={dash} data={dash.data} />
      {dash.data && <DashboardBody d={dash.data} from={from} to={to} />}
    </section>
  );
}

function DashboardBody({ d, from, to }: { d: Dashboard; from: Date; to: Date }) {
  const { t } = useI18n();
  const series = fillDays(d.series ?? [], from, to);
  return (
    <>
      <div className="stats">
        <StatCard label={t('dash.volume')} value={String(d.volume ?? 0)} testId="stat-volume" />
        <StatCard label={t('dash.amount')} value={formatFen(d.paid_amount ?? 0)} testId="stat-amount" />
        <StatCard label={t('dash.successRate')} value={formatRate(d.success_rate)} testId="stat-success" />
        <StatCard label={t('dash.openReviews')} value={d.open_reviews === null || d.open_reviews === undefined ? '—' : String(d.open_reviews)} />
        <StatCard label={t('dash.openAlerts')} value={d.open_alerts === null || d.open_alerts === undefined ? '—' : String(d.open_alerts)} />
      </div>
      <div className="charts">
        <FunnelChart
          title={t('dash.funnel')}
          stages={[
            { label: t('dash.funnel.created'), value: d.funnel?.created ?? 0 },
            { label: t('dash.funnel.cashier'), value: d.funnel?.cashier ?? 0 },
            { label: t('dash.funnel.paid'), value: d.funnel?.paid ?? 0 },
          ]}
        />
        <BarChart title={t('dash.perDay')} bars={series.map((s) => ({ label: s.day, value: s.created }))} format={(v) => String(Math.round(v))} />
        <BarChart title={t('dash.amountPerDay')} bars={series.map((s) => ({ label: s.day, value: s.paid_amount }))} format={(v) => formatFen(Math.round(v))} />
      </div>
    </>
  );
}
