// npm run bench: ns/element of every op for the plain JS loop, the reference, the scalar and the SIMD
// WebAssembly builds through the normal copying API, the SIMD build on arrays in its own memory
// (k.alloc: zero-copy), the memory floor (copying the op's input arrays once, TypedArray.set) and
// TF.js's float32 loss where it has one, at N = 2^10 and 2^20, side by side in one process; then the
// per-call time at N = 1, 16 and 1024, and the size and start-up table (bench/startup.ts). The machine
// is noisy, so each variant is timed by tinybench in interleaved rounds and the median of the rounds'
// medians is reported. Prints the tables and writes bench/results/latest.md and latest.svg.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
// The built package (npm run bench builds it first): what users run, without tsx's per-call wrappers.
import { createKernel, reference, type Softxent } from '../dist/index.js';
import { type Data, inKernel, makeData, median, OPS, type Op } from './ops.js';
import { startup } from './startup.js';
import { barChart } from './svg.js';
import { loadTfjs, tfjsLabel } from './tfjs.js';

/** The issue's targets: over plain JS at 2^20 (copying API, zero-copy), at 2^10, and over TF.js. */
const TARGET = { copy: 3, zeroCopy: 4, small: 2, tfjs: 2 };
// BENCH_QUICK=1: one round at small sizes, to check the script itself (figures meaningless).
const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [2 ** 10, 2 ** 14] : [2 ** 10, 2 ** 20];
const SMALL = [1, 16, 1024];
const ROUNDS = QUICK ? 1 : 9;
const ZC = 'wasm-simd zero-copy';
const FLOOR = 'memory floor';
const TF = 'TF.js f32 loss';

const simd = await createKernel();
const kernels: [string, Softxent | null][] = [
  ['plain JS', null],
  ['reference', reference],
  ['wasm', await createKernel({ simd: false })],
  ['wasm-simd', simd],
];
const tf = await loadTfjs();

/** Whether op runs at n (softmax needs whole rows). */
const fits = (op: Op, n: number) => n % (op.classes ?? 1) === 0;

/** Median over rounds of tinybench's median, in ns per element, for each named task. */
async function time(n: number, rounds: number, tasks: [string, () => unknown][]): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time: n > 4096 ? 100 : 40, iterations: 10, warmupTime: round === 0 ? 100 : 20 });
    for (const [name, f] of tasks) bench.add(name, f);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result as { latency?: { p50?: number } };
      samples[task.name] = [...(samples[task.name] ?? []), ((r.latency?.p50 ?? Number.NaN) * 1e6) / n];
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

/** The tasks of one op: every kernel through the copying API, zero-copy, the floor, TF.js. */
function tasks(op: Op, d: Data, dk: Data, all: boolean): [string, () => unknown][] {
  const [src, dst] = [
    [d.p, d.t],
    [new Float64Array(d.n), new Float64Array(d.n)],
  ];
  const list: [string, () => unknown][] = kernels
    .filter(([name]) => all || name === 'plain JS' || name === 'wasm-simd')
    .map(([name, k]) => [name, k ? () => op.lib(k, d) : () => op.plain(d)]);
  list.push([ZC, () => op.lib(simd, dk)]);
  if (!all) return list;
  list.push([
    FLOOR,
    () => {
      for (let i = 0; i < op.inputs; i++) dst[i].set(src[i]);
    },
  ]);
  if (tf && op.tfjs) list.push([TF, op.tfjs(tf, d)]);
  return list;
}

interface Row {
  op: string;
  n: number;
  ns: Record<string, number>;
}

async function run(sizes: number[], rounds: number, all: boolean): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const d = makeData(n);
    const dk = inKernel(simd, d);
    for (const op of OPS.filter((o) => fits(o, n))) {
      rows.push({ op: op.name, n, ns: await time(n, rounds, tasks(op, d, dk, all)) });
    }
    dk.free();
  }
  return rows;
}

const rows = await run(SIZES, ROUNDS, true);
const small = await run(SMALL, QUICK ? 1 : 5, false);

const fmt = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
const verdict = (x: number, target: number) =>
  `${x.toFixed(2)}x ${x >= target ? 'met' : `(missed by ${((1 - x / target) * 100).toFixed(0)}%)`}`;
const cols = [...kernels.map(([name]) => name), ZC, FLOOR, ...(tf ? [TF] : [])];
const lines = [
  `| op | N | ${cols.map((c) => `${c} ns/el`).join(' | ')} | wasm-simd vs plain JS (target ${TARGET.small}x at 2^10, ${TARGET.copy}x at 2^20) | zero-copy vs plain JS (target ${TARGET.zeroCopy}x at 2^20) | zero-copy / floor |${tf ? ` vs TF.js (target ${TARGET.tfjs}x) |` : ''}`,
  `|---|---|${cols.map(() => '---:').join('|')}|---:|---:|---:|${tf ? '---:|' : ''}`,
];
const met: string[] = [];
const missed: string[] = [];
for (const r of rows) {
  const base = r.ns['plain JS'];
  const big = r.n === SIZES[1];
  const speed = base / r.ns['wasm-simd'];
  const zc = base / r.ns[ZC];
  const check = (what: string, x: number, target: number) => {
    (x >= target ? met : missed).push(`${r.op} ${what} at 2^${Math.log2(r.n)}: ${x.toFixed(2)}x`);
    return verdict(x, target);
  };
  const cell = (c: string) =>
    c === 'plain JS' ? fmt(base) : r.ns[c] === undefined ? '-' : `${fmt(r.ns[c])} (${(base / r.ns[c]).toFixed(2)}x)`;
  const vsTf = r.ns[TF] === undefined ? '-' : check('vs TF.js', r.ns[TF] / r.ns['wasm-simd'], TARGET.tfjs);
  lines.push(
    `| ${r.op} | 2^${Math.log2(r.n)} | ${cols.map(cell).join(' | ')} | ${check('copying', speed, big ? TARGET.copy : TARGET.small)} | ${big ? check('zero-copy', zc, TARGET.zeroCopy) : `${zc.toFixed(2)}x`} | ${(r.ns[ZC] / r.ns[FLOOR]).toFixed(1)} |${tf ? ` ${vsTf} |` : ''}`,
  );
}
const smallLines = [
  '| op | N | plain JS ns/call | wasm-simd ns/call | zero-copy ns/call | wasm-simd vs plain JS |',
  '|---|---:|---:|---:|---:|---:|',
  ...small.map(
    (r) =>
      `| ${r.op} | ${r.n} | ${fmt(r.ns['plain JS'] * r.n)} | ${fmt(r.ns['wasm-simd'] * r.n)} | ${fmt(r.ns[ZC] * r.n)} | ${(r.ns['plain JS'] / r.ns['wasm-simd']).toFixed(2)}x |`,
  ),
];
const series = [...kernels.map(([name]) => name), ZC, ...(tf ? [TF] : [])];
// A quick run writes nothing: its figures are not results.
const write = (file: string, text: string) =>
  QUICK || writeFileSync(new URL(`./results/${file}`, import.meta.url), text);
write(
  'latest.svg',
  barChart({
    title: `softxent: ns per element at N = 2^20 (${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version})`,
    unit: 'ns per element (shorter is faster)',
    series,
    groups: rows
      .filter((r) => r.n === 2 ** 20)
      .map((r) => ({ label: r.op, values: series.map((c) => r.ns[c]), marker: r.ns[FLOOR] })),
    markerName: `${FLOOR}: copying the op's input arrays once`,
  }),
);

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const md = [
  '# softxent benchmark',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpu} (${cpus().length} cores), Node ${process.version}.`,
  `Median over ${ROUNDS} interleaved tinybench rounds of the median time per call, in ns per element;`,
  '(x) is the speedup over the plain JS loop. Library columns go through the normal copying API with',
  'validation and compensated sums, but zero-copy, which passes arrays that live in the kernel (k.alloc);',
  "plain JS is the obvious hand-written loop (bench/ops.ts); the memory floor copies the op's input",
  'arrays once (TypedArray.set): no kernel can stream its data faster. Chart: bench/results/latest.svg.',
  tf
    ? `${TF}: ${await tfjsLabel(tf)}, the loss alone (no gradient), values read back with dataSync.`
    : 'TF.js not installed: no comparison column.',
  '',
  ...lines,
  '',
  `Targets met (${met.length}): ${met.join('; ')}.`,
  '',
  `Targets missed (${missed.length}): ${missed.join('; ') || 'none'}.`,
  '',
  '## Small batches',
  '',
  'Time per call (validation, arena, kernel, reduction) at small N, median of 5 rounds.',
  '',
  ...smallLines,
  '',
  await startup(),
].join('\n');
write('latest.md', md);
console.log(md);
