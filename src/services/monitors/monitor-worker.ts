import type { ServiceContext } from '../context.ts';
import { escalateDueAlerts } from '../alerts/alert-lifecycle.ts';
import { evaluateMonitors, type EvaluationSummary } from './evaluate-monitors.ts';

/**
 * The periodic monitor loop: every `intervalMs` (default 30 s) evaluate every enabled monitor, then
 * escalate alerts left unacknowledged. Time inside comes from `ctx.clock`, so tests drive windows,
 * cool-downs and escalations with a fixed clock and `tickNow()`. A tick never overlaps the previous
 * one; several processes may run it (alerts dedupe on their key, escalation skips locked rows).
 */
export interface MonitorLoop {
  tickNow(): Promise<{ evaluation: EvaluationSummary; escalated: number } | undefined>;
  stop(): Promise<void>;
}

export function startMonitorLoop(ctx: ServiceContext, opts: { intervalMs?: number; autoStart?: boolean } = {}): MonitorLoop {
  const intervalMs = opts.intervalMs ?? 30_000;
  let running: Promise<{ evaluation: EvaluationSummary; escalated: number } | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = () => {
    running ??= (async () => {
      try {
        const evaluation = await evaluateMonitors(ctx);
        const escalated = await escalateDueAlerts(ctx);
        return { evaluation, escalated };
      } catch (err) {
        ctx.logger.error({ err }, 'monitor tick failed');
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void tick().then(loop), intervalMs);
    timer.unref?.();
  };
  if (opts.autoStart !== false) loop();

  return {
    tickNow: tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
