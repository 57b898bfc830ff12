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
  return { warmupMs: n('BENCH_WARMUP_MS', 500), roundMs: n('BENCH_ROUND_MS', 1000), rounds: n('BENCH_ROUNDS', 5) };
}

async function timeFor(op: () => unknown, ms: number): Promise<number> {
  let count = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  // Check the clock every 16 ops: reading it costs little next to an RSA operation but adds up on AES.
  while (now < end) {
    for (let i = 0; i < 16; i++) {
      const r = op();
      if (r instanceof Promise) await r;
    }
    count += 16;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

export async function measure(contenders: Contender[], opts = harnessOptions()): Promise<Result[]> {
  for (const c of contenders) await timeFor(c.op, opts.warmupMs);
  const rounds = contenders.map(() => [] as number[]);
  for (let r = 0; r < opts.rounds; r++) {
    for (let i = 0; i < contenders.length; i++) rounds[i]!.push(await timeFor(contenders[i]!.op, opts.roundMs));
  }
  return contenders.map((c, i) => ({ name: c.name, opsPerSec: median(rounds[i]!), rounds: rounds[i]! }));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function printTable(title: string, rows: { label: string; opsPerSec: number; note?: string }[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.label.length), 10);
  console.log(`  ${'contender'.padEnd(w)}  ${'ops/s'.padStart(10)}  ${'µs/op'.padStart(8)}  note`);
  for (const r of rows) {
    console.log(`  ${r.label.padEnd(w)}  ${Math.round(r.opsPerSec).toLocaleString('en-US').padStart(10)}  ${(1e6 / r.opsPerSec).toFixed(1).padStart(8)}  ${r.note ?? ''}`);
  }
}
