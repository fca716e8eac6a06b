// npm run bench: the headline (every op at N = 2^20: the plain JS loop, the SIMD build through the
// copying API and on k.alloc arrays, TF.js where it has the op; createPool on 2 threads at N = 2^22; the
// targets met or missed) in about two minutes, with a progress line per op on stderr; `--full` for the
// exhaustive report. `--help` says all.
// Times the built package (dist/, what users run; npm's prebench builds what is stale), in a Node run
// with --no-wasm-dynamic-tiering: every wasm function is compiled by the optimizing tier up front.
// With V8's dynamic tiering a large kernel sometimes ran in the baseline tier for a whole op's rounds
// (bce at 8.7-13 ns/el instead of 6 in 3 of 12 runs), so the figures would be a lottery.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createKernel, reference, type Softxent } from '../dist/index.js';
import { chunkSweep } from './chunk.js';
import { asFloat32, type Data, inKernel, makeData, OPS, type Op } from './ops.js';
import { startup } from './startup.js';
import { barChart } from './svg.js';
import { loadTfjs, tfjsLabel } from './tfjs.js';
import { POOL, POOL_ZC, THREADS_N, headline as threadsHeadline, report as threadsReport } from './threads.js';
import { fmt, type Plan, progress, type Task, time } from './timing.js';

const HELP = `npm run bench [-- options]

Default: the headline, about two minutes after the build. Every op at N = 2^20: the plain JS loop a
user would write, softxent's SIMD build through the copying API and on k.alloc arrays (zero-copy),
each with float64 and float32 data, TF.js's float32 loss where it has the op; then the per-call
time at N = 1, 16, 64, 1024; then createPool on 2 threads against the kernel at N = 2^22;
speedups, each issue target met or missed. A progress line per op on
stderr; the tables on stdout; writes bench/results/latest.md and latest.svg.

  --full        the exhaustive report (about 6 minutes): N = 2^10 and 2^20 with the reference,
                scalar build and memory-floor columns, small batches, start-up
                and size, the chunk sweep; writes bench/results/full.md and full.svg
  --op NAME     only the ops whose name contains NAME (case-insensitive; e.g. --op softmax);
                prints the table, writes no file
  --rounds N    interleaved rounds per op (default 9; 7 with --full)
  --baseline DIR  also time another build's dist/ (e.g. main's before a change) through the
                copying API, side by side: the 'baseline' column and its target
  --threads     the threads report only (about 3 minutes): scaling over 1-4 threads with an Amdahl
                fit, and the crossover size (also part of --full); prints it, writes no file
  --quick       one short round at small N, to check the script (figures meaningless, no file)
  --help        this text

Ops: ${OPS.map((o) => o.name).join(', ')}`;

const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    op: { type: 'string' },
    rounds: { type: 'string' },
    baseline: { type: 'string' },
    quick: { type: 'boolean', default: false },
    threads: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}
const ops = OPS.filter((o) => !args.op || o.name.toLowerCase().includes(args.op.toLowerCase()));
if (ops.length === 0) {
  console.error(`bench: no op matches --op ${args.op}; the ops: ${OPS.map((o) => o.name).join(', ')}`);
  process.exit(2);
}
const rounds = Number(args.rounds ?? (args.full ? 7 : 9));
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench: --rounds ${args.rounds} is not a positive integer`);
  process.exit(2);
}
const { quick, full } = args;
const BIG = quick ? 2 ** 14 : 2 ** 20;
const SIZES = full ? [2 ** 10, BIG] : [BIG];
/** Per call: the headline's few calls of 5-70 ms at 2^20; --full's 100 ms budget per variant and round. */
const PLAN: Plan = quick
  ? { rounds: 1, calls: 2, ms: 0 }
  : full
    ? { rounds, calls: 10, ms: 100 }
    : { rounds, calls: 4, ms: 0 };
const SMALL = [1, 16, 64, 1024];

const PLAIN = 'plain JS';
const SIMD = 'wasm-simd';
const SIMD32 = 'wasm-simd f32';
const ZC = 'zero-copy';
const ZC32 = 'zero-copy f32';
const FLOOR = 'memory floor';
const TF = 'TF.js f32 loss';
const BEFORE = 'baseline';
const MASKED = 'masked';

/** An issue's speed target: the speedup of `col` over `base` at n is at least `min`. */
interface Target {
  issue: number;
  what: string;
  col: string;
  base: string;
  min: number;
  n: number;
  /** The issue of the ops it applies to (Op.issue); none: the ops without one. */
  ops?: number;
  /** Of those, only the ops whose name matches. */
  names?: RegExp;
}

/** Whether target t applies to op. */
const applies = (op: Op, t: Target) =>
  t.col === MASKED ? op.masked !== undefined : op.issue === t.ops && (!t.names || t.names.test(op.name));
const TARGETS: Target[] = [
  { issue: 6, what: 'copying API vs plain JS', col: SIMD, base: PLAIN, min: 3, n: BIG },
  { issue: 6, what: 'zero-copy vs plain JS', col: ZC, base: PLAIN, min: 4, n: BIG },
  { issue: 6, what: 'vs TF.js (float32, loss alone)', col: SIMD, base: TF, min: 2, n: BIG },
  { issue: 6, what: 'copying API vs plain JS', col: SIMD, base: PLAIN, min: 2, n: 2 ** 10 },
  { issue: 13, what: 'float32 vs float64 inputs (copying)', col: SIMD32, base: SIMD, min: 0.95, n: BIG },
  { issue: 13, what: 'float32 vs float64 inputs (zero-copy)', col: ZC32, base: ZC, min: 0.95, n: BIG },
  { issue: 13, what: `vs ${BEFORE}`, col: SIMD, base: BEFORE, min: 0.97, n: BIG },
  // issue 14 names KL at C = 8 and 1024; the multi-label op has no target of its own
  { issue: 14, what: 'fused distillation vs plain JS', col: SIMD, base: PLAIN, min: 3, n: BIG, ops: 14, names: /KL/ },
  { issue: 15, what: 'vs plain JS', col: SIMD, base: PLAIN, min: 3, n: BIG, ops: 15 },
  // the masked call at most 10% slower than the unmasked one (speedup >= 1/1.1)
  { issue: 15, what: 'masked vs unmasked (≤ 10% slower)', col: MASKED, base: SIMD, min: 1 / 1.1, n: BIG },
  // 2 threads against 1: compute-heavy ops faster, the memory-light log no slower than 0.9x
  ...[
    [POOL, 1.5, /\+grad/, 'compute-heavy, ordinary arrays'],
    [POOL_ZC, 1.7, /\+grad/, 'compute-heavy, pool.alloc arrays'],
    [POOL, 0.9, /^log$/, 'memory-light, ordinary arrays'],
    [POOL_ZC, 0.9, /^log$/, 'memory-light, pool.alloc arrays'],
  ].map(
    ([col, min, names, what]): Target => ({
      issue: 16,
      what: `${what}: 2 threads vs 1`,
      col: col as string,
      base: SIMD,
      min: min as number,
      n: THREADS_N,
      ops: 16,
      names: names as RegExp,
    }),
  ),
];

/** Small batches, per call against the plain loop: N = 1 within 4x, N = 16 as fast, N = 64 1.5x faster. */
const SMALL_TARGETS: Target[] = [
  { issue: 13, what: 'small batch vs plain JS', col: SIMD, base: PLAIN, min: 0.25, n: 1 },
  { issue: 13, what: 'small batch vs plain JS', col: SIMD, base: PLAIN, min: 1, n: 16 },
  { issue: 13, what: 'small batch vs plain JS', col: SIMD, base: PLAIN, min: 1.5, n: 64 },
];

progress(`softxent bench: ${full ? 'full report' : 'headline'}, ${ops.length} op(s), ${PLAN.rounds} round(s)`);
const simd = await createKernel();
if (args.threads) {
  console.log(
    (await threadsReport(simd, quick ? 2 ** 16 : THREADS_N, { rounds: quick ? 1 : 5, calls: 3, ms: 0 })).join('\n'),
  );
  progress('done');
  process.exit(0);
}
const kernels: [string, Softxent][] = full
  ? [
      ['reference', reference],
      ['wasm', await createKernel({ simd: false })],
      [SIMD, simd],
    ]
  : [[SIMD, simd]];
// --baseline DIR: another build of softxent (its dist/), e.g. main's before a change, side by side.
const before = args.baseline
  ? await (
      (await import(pathToFileURL(resolve(args.baseline, 'index.js')).href)) as { createKernel(): Promise<Softxent> }
    ).createKernel()
  : undefined;
const tf = ops.some((o) => o.tfjs) ? await loadTfjs() : null;
if (tf) progress(`TF.js column: ${await tfjsLabel(tf)}`);

/** Whether op runs at n (softmax needs whole rows). */
const fits = (op: Op, n: number) => n % (op.classes ?? 1) === 0;

/** The variants of one op at one size. */
function tasks(op: Op, d: Data, v: Variants, extra: boolean): Task[] {
  const list: Task[] = [[PLAIN, () => op.plain(d)]];
  for (const [name, k] of kernels) list.push([name, () => op.lib(k, d)]);
  list.push([ZC, () => op.lib(simd, v.zc)]);
  if (op.masked) list.push([MASKED, () => op.masked?.(simd, d)]);
  if (!extra) return list;
  list.push([SIMD32, () => op.lib(simd, v.f32)], [ZC32, () => op.lib(simd, v.zc32)]);
  if (before) list.push([BEFORE, () => op.lib(before, d)]);
  if (full) {
    const dst = [new Float64Array(d.n), new Float64Array(d.n)];
    const src = [d.p, d.t];
    list.push([
      FLOOR,
      () => {
        for (let i = 0; i < op.inputs; i++) dst[i].set(src[i]);
      },
    ]);
  }
  if (tf && op.tfjs) list.push([TF, op.tfjs(tf, d)]);
  return list;
}

/** The data of the library's other variants: float32 copies, and both in the kernel's memory. */
interface Variants {
  f32: Data;
  zc: Data & { free(): void };
  zc32: Data & { free(): void };
}

interface Row {
  op: Op;
  n: number;
  ns: Record<string, number>;
}

/** 2^k for powers of two from 1024 up, else the number. */
const pow = (n: number) => (n >= 1024 && Number.isInteger(Math.log2(n)) ? `2^${Math.log2(n)}` : String(n));
const speedup = (r: Row, col: string, base = PLAIN) => r.ns[base] / r.ns[col];

async function run(sizes: number[], plan: Plan, extra: boolean, label: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const todo = ops.filter((o) => fits(o, n));
    progress(`${label}N = ${pow(n)}: preparing data`);
    const d = makeData(n);
    const f32 = asFloat32(d);
    const v: Variants = { f32, zc: inKernel(simd, d), zc32: inKernel(simd, f32, 'float32') };
    for (const [i, op] of todo.entries()) {
      const r: Row = { op, n, ns: await time(n, plan, tasks(op, d, v, extra)) };
      rows.push(r);
      const parts = Object.keys(r.ns)
        .filter((c) => c !== PLAIN)
        .map((c) => `${c} ${fmt(r.ns[c])} (${speedup(r, c).toFixed(2)}x)`);
      progress(
        `${label}[${i + 1}/${todo.length}] ${op.name} at N = ${pow(n)}: ${PLAIN} ${fmt(r.ns[PLAIN])} ns/el, ${parts.join(', ')}`,
      );
    }
    v.zc.free();
    v.zc32.free();
  }
  return rows;
}

const met: string[] = [];
const missed: string[] = [];

/** "3.07x met" or "2.24x (missed by 25%)", recording it in the summary; '-' where not measured. */
function check(r: Row, t: Target): string {
  if (r.ns[t.col] === undefined || r.ns[t.base] === undefined) return '-';
  const x = speedup(r, t.col, t.base);
  const ok = x >= t.min;
  (ok ? met : missed).push(
    `${r.op.name} ${t.what} at N = ${pow(r.n)}: ${x.toFixed(2)}x (target ${+t.min.toFixed(3)}x)`,
  );
  const by = (1 - x / t.min) * 100;
  return ok ? `${x.toFixed(2)}x met` : `${x.toFixed(2)}x (missed by ${by.toFixed(by < 1 ? 1 : 0)}%)`;
}

/** The table of rows: ns/el per column with its speedup over plain JS, then each target of that size. */
function table(rows: Row[], cols: string[]): string[] {
  const present = cols.filter((c) => rows.some((r) => r.ns[c] !== undefined));
  const targets = TARGETS.filter((t) => rows.some((r) => r.n === t.n && applies(r.op, t)) && present.includes(t.base));
  const sized = new Set(rows.map((r) => r.n)).size > 1;
  const head = [
    'op',
    ...(sized ? ['N'] : []),
    ...present.map((c) => `${c} ns/el`),
    ...targets.map((t) => `${t.what}${sized ? ` at ${pow(t.n)}` : ''} (issue ${t.issue}: ≥ ${+t.min.toFixed(3)}x)`),
  ];
  const lines = [
    `| ${head.join(' | ')} |`,
    `|---|${head
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  ];
  for (const r of rows) {
    const cell = (c: string) =>
      r.ns[c] === undefined ? '-' : c === PLAIN ? fmt(r.ns[c]) : `${fmt(r.ns[c])} (${speedup(r, c).toFixed(2)}x)`;
    const goals = targets.map((t) => (t.n === r.n && applies(r.op, t) ? check(r, t) : ''));
    lines.push(`| ${[r.op.name, ...(sized ? [pow(r.n)] : []), ...present.map(cell), ...goals].join(' | ')} |`);
  }
  return lines;
}

function chart(rows: Row[], series: string[], marker?: string): string {
  const machine = `${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`;
  const shown = series.filter((c) => rows.some((r) => r.ns[c] !== undefined));
  return barChart({
    title: `softxent: ns per element at N = ${pow(BIG)} (${machine})`,
    unit: 'ns per element (shorter is faster)',
    series: shown,
    groups: rows
      .filter((r) => r.n === BIG)
      .map((r) => ({ label: r.op.name, values: shown.map((c) => r.ns[c]), marker: marker ? r.ns[marker] : undefined })),
    markerName: marker ? `${marker}: copying the op's input arrays once` : undefined,
  });
}

const rows = await run(SIZES, PLAN, true, '');
const cols = [PLAIN, ...kernels.map(([name]) => name), SIMD32, ZC, ZC32, BEFORE, FLOOR, TF];
const main = table(rows, cols);
const cpu = `${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), Node ${process.version}`;
const sections = [
  `# softxent benchmark${full ? ': full report' : ''}`,
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpu}. ${
    full
      ? `${PLAN.rounds} interleaved rounds of ${PLAN.ms} ms`
      : `${PLAN.rounds} interleaved round(s) of ${PLAN.calls} calls`
  } per variant; each figure is the median over rounds of the round's median time per call, in ns per`,
  'element; (x) is the speedup over the plain JS loop. softxent goes through its normal API (validation,',
  'compensated sums); zero-copy passes arrays that live in the kernel (k.alloc); plain JS is the obvious',
  'hand-written loop (bench/ops.ts).',
  full ? "The memory floor copies the op's input arrays once (TypedArray.set): no kernel streams faster." : '',
  tf ? `${TF}: ${await tfjsLabel(tf)}, the loss alone (no gradient), read back with dataSync.` : '',
  '',
  ...main,
  '',
];

/** The headline's threads table: createPool on 2 threads against the kernel (issue 16). */
async function threadsSection(): Promise<string[]> {
  if (args.op && !/^(cbNll\+grad|bceWithLogits\+grad|softmaxCE\+grad C=1024|log)$/i.test(args.op)) return [];
  const n = quick ? 2 ** 16 : THREADS_N;
  progress(`threads: createPool on 2 threads against the kernel at N = ${pow(n)}`);
  const rows = await threadsHeadline(
    simd,
    n,
    quick ? PLAN : { rounds: Math.min(rounds, 5), calls: 3, ms: 0 },
    SIMD,
    PLAIN,
  );
  return [
    '## Threads',
    '',
    `createPool({ threads: 2 }) against the single-thread kernel (${SIMD}) at N = ${pow(n)}, ns per element`,
    '(speedup over the plain JS loop); the targets compare the pool with the kernel. Ordinary arrays go through the calling',
    "thread's copies to the worker; pool.alloc arrays are shared with it. Same chunk grid, same bits.",
    '',
    ...table(rows, [PLAIN, SIMD, POOL, POOL_ZC]),
    '',
  ];
}

progress(`small batches: per-call time at N = ${SMALL.join(', ')}`);
const small = await run(
  SMALL,
  { rounds: quick ? 1 : 5, calls: 10, ms: quick ? 0 : 10, warmup: 50 },
  false,
  'small batches ',
);
sections.push(
  '## Small batches',
  '',
  'Time per call (validation, arena, kernel, reduction) at small N, ns per call; (x) is the speedup over',
  'the plain JS loop. Targets of issue 13: at N = 1 within 4x of the plain loop, at N = 16 as fast, at',
  'N = 64 1.5x faster.',
  '',
  '| op | N | plain JS ns/call | wasm-simd ns/call | zero-copy ns/call | target (issue 13) |',
  '|---|---:|---:|---:|---:|---:|',
  ...small.map((r) => {
    const t = SMALL_TARGETS.find((x) => x.n === r.n && applies(r.op, x));
    const cell = (c: string) => `${fmt(r.ns[c] * r.n)} (${speedup(r, c).toFixed(2)}x)`;
    return `| ${r.op.name} | ${r.n} | ${fmt(r.ns[PLAIN] * r.n)} | ${cell(SIMD)} | ${cell(ZC)} | ${t ? `≥ ${t.min}x: ${check(r, t)}` : '-'} |`;
  }),
  '',
  ...(await threadsSection()),
  `Targets met (${met.length} of ${met.length + missed.length}): ${met.join('; ') || 'none'}.`,
  '',
  `Targets missed (${missed.length}): ${missed.join('; ') || 'none'}.`,
  '',
);

if (full) {
  progress('threads report: scaling over 1-4 threads, the crossover');
  sections.push(await threadsReport(simd, THREADS_N, { rounds: 5, calls: 3, ms: 0 }).then((l) => l.join('\n')));
  progress('start-up and size: fresh Node processes and Chromium contexts');
  sections.push(await startup());
  sections.push(await chunkSweep(ops, quick ? PLAN : { rounds: 5, calls: 5, ms: 0 }));
}

const md = sections.join('\n');
console.log(md);
// A partial or quick run writes nothing: its figures are not the results.
if (!quick && !args.op) {
  const name = full ? 'full' : 'latest';
  const at = (f: string) => new URL(`./results/${f}`, import.meta.url);
  writeFileSync(at(`${name}.md`), md);
  const series = [PLAIN, ...kernels.map(([c]) => c), SIMD32, ZC, ZC32, TF];
  writeFileSync(at(`${name}.svg`), chart(rows, series, full ? FLOOR : undefined));
  progress(`wrote bench/results/${name}.md and ${name}.svg`);
}
progress('done');
