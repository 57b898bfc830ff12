import { compactDeltas, type CompactOutcome } from '../db/dashboard-rollup.ts';
import type { ServiceContext } from '../services/context.ts';

/**
 * Folds the dashboard's pending deltas into the daily roll-up every `intervalMs` (default 10 s).
 * An in-process timer like the follow-up sweep, not a pg-boss cron (once a minute at best): the fewer
 * deltas wait, the less the dashboard adds up. Safe on several nodes: each run takes a transaction-level
 * advisory lock with `pg_try_advisory_xact_lock`, so one node folds and the others skip that tick.
 * The dashboard is exact whether or not this runs; a stopped loop only lets deltas pile up.
 */
export interface DashboardRollupLoop {
  compactNow(): Promise<CompactOutcome>;
  stop(): Promise<void>;
}

export function startDashboardRollupLoop(ctx: Pick<ServiceContext, 'db' | 'logger'>, opts: { intervalMs?: number } = {}): DashboardRollupLoop {
  let running: Promise<CompactOutcome> | undefined;
  const compact = (): Promise<CompactOutcome> => {
    running ??= compactDeltas(ctx.db)
      .then((o) => {
        if (o.deltas > 0) ctx.logger.debug({ deltas: o.deltas, days: o.days }, 'dashboard roll-up compacted');
        return o;
      })
      .catch((err: unknown) => {
        ctx.logger.error({ err }, 'dashboard roll-up compaction failed');
        return { ran: false, deltas: 0, days: 0 };
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const timer = setInterval(() => void compact(), opts.intervalMs ?? 10_000);
  timer.unref();
  return {
    compactNow: compact,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
