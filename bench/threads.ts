// The threads benchmark (issue 16): createPool against the single-thread kernel, side by side in
// interleaved rounds (the same chunk grid, so the same results). The headline times 2 threads at
// N = 2^22 with ordinary arrays and with pool.alloc arrays; the report (--threads, or --full) adds the
// scaling over 1-4 threads with an Amdahl fit projecting 4, 8 and 16 cores, and the crossover size
// below which a pool runs calls on the calling thread (MIN_PARALLEL).
import { cpus } from 'node:os';
import { createPool, type Pool, type Softxent } from '../dist/index.js';
import { MIN_PARALLEL, SPLIT } from '../dist/pool.js';
import { type Data, inKernel, makeData, OPS, type Op } from './ops.js';
import { fmt, type Plan, progress, time } from './timing.js';

/** The issue's ops: three compute-heavy ones and a memory-light one. */
export const THREAD_OPS = ['cbNll+grad', 'bceWithLogits+grad', 'softmaxCE+grad C=1024', 'log'];
export const THREADS_N = 2 ** 22;
export const POOL = 'pool 2 threads';
export const POOL_ZC = 'pool 2 threads, pool.alloc';

/** The ops of the threads benchmark, carrying issue 16's targets. */
export const threadOps = (): Op[] => OPS.filter((o) => THREAD_OPS.includes(o.name)).map((o) => ({ ...o, issue: 16 }));

/** A pool's functions typed as a kernel's: the bench's ops call them and await what they return. */
const asKernel = (p: Pool) => p as unknown as Softxent;

export interface ThreadRow {
  op: Op;
  n: number;
  ns: Record<string, number>;
}

/**
 * 2 threads against the kernel at n: ns/element of the plain JS loop (column `plain`), the kernel (`col`),
 * the pool, the pool on its own arrays.
 */
export async function headline(
  kernel: Softxent,
  n: number,
  plan: Plan,
  col: string,
  plain: string,
): Promise<ThreadRow[]> {
  const pool = await createPool({ threads: 2 });
  const d = makeData(n);
  const zc = inKernel(asKernel(pool), d);
  const rows: ThreadRow[] = [];
  const ops = threadOps();
  for (const [i, op] of ops.entries()) {
    const ns = await time(n, plan, [
      [plain, () => op.plain(d)],
      [col, () => op.lib(kernel, d)],
      [POOL, async () => await op.lib(asKernel(pool), d)],
      [POOL_ZC, async () => await op.lib(asKernel(pool), zc)],
    ]);
    rows.push({ op, n, ns });
    progress(
      `threads [${i + 1}/${ops.length}] ${op.name} at N = 2^${Math.log2(n)}: 1 thread ${fmt(ns[col])} ns/el, ` +
        `2 threads ${fmt(ns[POOL])} (${(ns[col] / ns[POOL]).toFixed(2)}x), on pool.alloc ${fmt(ns[POOL_ZC])} (${(ns[col] / ns[POOL_ZC]).toFixed(2)}x)`,
    );
  }
  zc.free();
  await pool.close();
  return rows;
}

/** Amdahl's law from the speedup s2 on 2 threads: the serial share, and the speedup on p threads. */
export function amdahl(s2: number): { serial: number; at(p: number): number } {
  const serial = Math.min(1, Math.max(0, 2 / s2 - 1));
  return { serial, at: (p) => 1 / (serial + (1 - serial) / p) };
}

/** The report: scaling over 1-4 threads (with the fit) and the crossover size; markdown lines. */
export async function report(kernel: Softxent, n: number, plan: Plan): Promise<string[]> {
  const cores = cpus().length;
  const counts = [1, 2, 3, 4];
  const pools = await Promise.all(counts.map((threads) => createPool({ threads })));
  const d = makeData(n);
  const zcs = pools.map((p) => inKernel(asKernel(p), d));
  const lines = [
    '## Threads: scaling',
    '',
    `createPool against the kernel at N = 2^${Math.log2(n)}, ns per element (speedup over the kernel), this`,
    `machine's ${cores} cores; more threads than cores share them. Amdahl fit: the serial share s from the`,
    'speedup S2 on 2 threads (1/S2 = s + (1 - s)/2), projected to p cores as 1/(s + (1 - s)/p): the',
    "calling thread's copies for ordinary arrays grow with p, so the projection is an upper bound there.",
    '',
    `| op | arrays | kernel | ${counts.map((c) => `${c} thread${c > 1 ? 's' : ''}`).join(' | ')} | serial s | projected 4 / 8 / 16 |`,
    `|---|---|---:|${counts.map(() => '---:').join('|')}|---:|---:|`,
  ];
  for (const op of threadOps()) {
    for (const [kind, data] of [
      ['ordinary', () => d],
      ['pool.alloc', (i: number) => zcs[i]],
    ] as [string, (i: number) => Data][]) {
      const tasks: [string, () => unknown][] = [['kernel', () => op.lib(kernel, d)]];
      pools.forEach((p, i) => {
        tasks.push([`t${counts[i]}`, async () => await op.lib(asKernel(p), data(i))]);
      });
      const ns = await time(n, plan, tasks);
      const x = (c: string) => ns.kernel / ns[c];
      const fit = amdahl(x('t2'));
      lines.push(
        `| ${op.name} | ${kind} | ${fmt(ns.kernel)} | ${counts.map((c) => `${fmt(ns[`t${c}`])} (${x(`t${c}`).toFixed(2)}x)`).join(' | ')} | ` +
          `${fit.serial.toFixed(3)} | ${[4, 8, 16].map((p) => `${fit.at(p).toFixed(1)}x`).join(' / ')} |`,
      );
      progress(
        `threads scaling: ${op.name}, ${kind} arrays: ${counts.map((c) => `${c}: ${x(`t${c}`).toFixed(2)}x`).join(', ')}`,
      );
    }
  }
  for (const z of zcs) z.free();
  await Promise.all(pools.map((p) => p.close()));
  lines.push('', ...(await crossover(kernel, plan)));
  return lines;
}

/** The size where 2 threads start to pay: each op at small N, forced onto the workers. */
async function crossover(kernel: Softxent, plan: Plan): Promise<string[]> {
  const sizes = [2 ** 12, 2 ** 14, 2 ** 15, 2 ** 16, 2 ** 17, 2 ** 18];
  const pool = await createPool({ threads: 2, [SPLIT]: 0 } as object);
  const lines = [
    '## Threads: the crossover',
    '',
    `Per-call time of 2 threads forced onto the workers against the kernel, ns per element (speedup);`,
    `calls of fewer than MIN_PARALLEL = ${MIN_PARALLEL} elements run on the calling thread instead.`,
    '',
    `| op | ${sizes.map((s) => `2^${Math.log2(s)}`).join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
  ];
  for (const op of threadOps()) {
    const cells: string[] = [];
    for (const n of sizes) {
      const d = makeData(n);
      const ns = await time(n, { ...plan, calls: 20 }, [
        ['kernel', () => op.lib(kernel, d)],
        ['pool', async () => await op.lib(asKernel(pool), d)],
      ]);
      cells.push(`${fmt(ns.pool)} (${(ns.kernel / ns.pool).toFixed(2)}x)`);
    }
    lines.push(`| ${op.name} | ${cells.join(' | ')} |`);
    progress(`threads crossover: ${op.name}: ${cells.join(', ')}`);
  }
  await pool.close();
  return lines;
}
