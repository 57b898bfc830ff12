/**
 * A small measuring harness shared by the benches: warm-up, then timed rounds that interleave the
 * contenders (so drift on a shared machine hits all of them alike), reporting the median ops/s.
 */
export interface Contender {
  name: string;
  /** One operation; may be sync or async. */
  op: () => unknown;
}

export interface Result {
  name: string;
  opsPerSec: number;
  rounds: number[];
}

export interface HarnessOptions {
  warmupMs: number;
  roundMs: number;
  rounds: number;
}

export function harnessOptions(): HarnessOptions {
  const n = (name: string, dflt: number) => {
    const v = Number(process.env[name]);
    return Number.isFinite(v) && v > 0 ? v : dflt;
  };
  return { warmupMs: n('BENCH_WARMUP_MS', 500), roundMs: n('BENCH_ROUND_MS', 300), rounds: n('BENCH_ROUNDS', 15) };
}

/**
 * Runs `op` for about `ms` of this process's CPU time and returns ops per CPU-second. CPU time, not
 * wall time: on a shared machine other processes steal the core, and wall-clock rates would then
 * measure the neighbours. Everything measured here is synchronous work on this thread.
 */
async function timeFor(op: () => unknown, ms: number): Promise<number> {
  let count = 0;
  const start = process.cpuUsage();
  const budgetUs = ms * 1000;
  let usedUs = 0;
  // Read the CPU clock every 16 ops: cheap next to an RSA operation, and amortised for AES.
  while (usedUs < budgetUs) {
    for (let i = 0; i < 16; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    count += 16;
    const d = process.cpuUsage(start);
    usedUs = d.user + d.system;
  }
  return count / (usedUs / 1e6);
}

export async function measure(contenders: Contender[], opts = harnessOptions()): Promise<Result[]> {
  for (const c of contenders) await timeFor(c.op, opts.warmupMs);
  const rounds = contenders.map(() => [] as number[]);
  for (let r = 0; r < opts.rounds; r++) {
    // The order rotates each round: a contender that leaves garbage behind (the peer SDK allocates
    // far more) would otherwise always hand its GC debt to the same neighbour.
    for (let j = 0; j < contenders.length; j++) {
      const i = (j + r) % contenders.length;
      rounds[i]!.push(await timeFor(contenders[i]!.op, opts.roundMs));
    }
  }
  return contenders.map((c, i) => ({ name: c.name, opsPerSec: median(rounds[i]!), rounds: rounds[i]! }));
}

/**
 * Ratio a/b as the median of per-round ratios: rounds are interleaved, so each pair ran under the
 * same machine load, and pairing cancels drift that a ratio of medians would keep.
 */
export function pairedRatio(a: Result, b: Result): number {
  return median(a.rounds.map((x, i) => x / b.rounds[i]!));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function printTable(title: string, rows: { label: string; opsPerSec: number; note?: string }[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.label.length), 10);
  console.log(`  ${'contender'.padEnd(w)}  ${'ops/cpu-s'.padStart(10)}  ${'µs/op'.padStart(8)}  note`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(w)}  ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(10)}  ${(1e6 / r.opsPerSec).toFixed(1).padStart(8)}  ${r.note ?? ''}`);
  }
}
