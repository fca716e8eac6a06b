// Timing and progress for the bench. Variants of one op are timed in interleaved rounds (each round
// runs every variant for a few calls, tinybench), and a variant's figure is the median over rounds of
// its per-round median: the machine's speed drifts by 20-50% between minutes, and interleaving makes
// the drift move every variant of an op together, so that their ratios hold.
import { Bench } from 'tinybench';
import { median } from './ops.js';

export interface Plan {
  rounds: number;
  /** Timed calls per variant per round (at least; tinybench also honours `ms`). */
  calls: number;
  /** Time budget per variant per round, ms (0: the calls alone decide). */
  ms: number;
  /** Warm-up per variant before the first round, ms (default 250). */
  warmup?: number;
}

export type Task = [name: string, run: () => unknown];

/** ns per element of each task at n elements per call: median over rounds of each round's median. */
export async function time(n: number, plan: Plan, tasks: Task[]): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < plan.rounds; round++) {
    const first = round === 0;
    const bench = new Bench({
      time: plan.ms,
      iterations: plan.calls,
      // V8 optimizes JS while it runs: a quarter second first, so that rounds time the top tier.
      warmup: first || plan.ms > 0,
      warmupIterations: first ? 2 : 1,
      warmupTime: first ? Math.max(plan.ms, plan.warmup ?? 250) : 0,
      throws: true,
    });
    for (const [name, f] of tasks) bench.add(name, f);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result as { latency?: { p50?: number } };
      samples[task.name] = [...(samples[task.name] ?? []), ((r.latency?.p50 ?? Number.NaN) * 1e6) / n];
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const start = performance.now();

/** A progress line on stderr, with the seconds since the bench started. */
export function progress(line: string): void {
  process.stderr.write(`[${((performance.now() - start) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
}

/** ns per element as printed: 3 significant digits or one decimal. */
export const fmt = (v: number | undefined): string =>
  v === undefined || Number.isNaN(v) ? '-' : v >= 10 ? v.toFixed(1) : v.toFixed(2);
