// npm run bench: ns/element of every op for the plain JS loop, the reference, the scalar and the SIMD
// WebAssembly builds (through the normal copying API), and TF.js's float32 loss where it has one,
// at N = 2^10 and 2^20, side by side in one process. The machine is noisy, so each variant is timed
// by tinybench in ROUNDS interleaved rounds and the median of the rounds' medians is reported.
// Prints the table, then the size and start-up table (bench/startup.ts), and writes bench/results/latest.md.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { createKernel, reference, type Softxent } from '../src/index.js';
import { makeData, median, OPS } from './ops.js';
import { startup } from './startup.js';
import { loadTfjs, tfjsLabel } from './tfjs.js';

const TARGET = 3;
const SIZES = [2 ** 10, 2 ** 20];
const ROUNDS = 9;

const variants: [string, Softxent | null][] = [
  ['plain JS', null],
  ['reference', reference],
  ['wasm', await createKernel({ simd: false })],
  ['wasm-simd', await createKernel()],
];

interface Row {
  op: string;
  n: number;
  ns: Record<string, number>;
}
const rows: Row[] = [];
const tf = await loadTfjs();
const TF = 'TF.js f32 loss';
for (const n of SIZES) {
  const d = makeData(n);
  for (const op of OPS) {
    const samples: Record<string, number[]> = {};
    const tfRun = tf && op.tfjs ? op.tfjs(tf, d) : null;
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: n > 4096 ? 100 : 40, iterations: 10, warmupTime: round === 0 ? 100 : 20 });
      for (const [name, k] of variants) bench.add(name, k ? () => op.lib(k, d) : () => op.plain(d));
      if (tfRun) bench.add(TF, tfRun);
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result as { latency?: { p50?: number } };
        samples[task.name] = [...(samples[task.name] ?? []), ((r.latency?.p50 ?? Number.NaN) * 1e6) / n];
      }
    }
    rows.push({ op: op.name, n, ns: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) });
  }
}

const cols = [...variants.map(([name]) => name), ...(tf ? [TF] : [])];
const fmt = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = [
  `| op | N | ${cols.map((c) => `${c} ns/el`).join(' | ')} | wasm-simd vs plain JS | target ${TARGET}x at 2^20 |${tf ? ' wasm-simd (loss+grad) vs TF.js (loss) |' : ''}`,
  `|---|---|${cols.map(() => '---:').join('|')}|---:|:---:|${tf ? '---:|' : ''}`,
];
for (const r of rows) {
  const base = r.ns['plain JS'];
  const speed = base / r.ns['wasm-simd'];
  const target =
    r.n === 2 ** 20 ? (speed >= TARGET ? 'met' : `missed by ${((1 - speed / TARGET) * 100).toFixed(0)}%`) : '';
  const cell = (c: string) =>
    c === 'plain JS' ? fmt(base) : r.ns[c] === undefined ? '-' : `${fmt(r.ns[c])} (${(base / r.ns[c]).toFixed(2)}x)`;
  const vsTf = !tf ? '' : r.ns[TF] === undefined ? ' - |' : ` ${(r.ns[TF] / r.ns['wasm-simd']).toFixed(2)}x faster |`;
  lines.push(
    `| ${r.op} | 2^${Math.log2(r.n)} | ${cols.map(cell).join(' | ')} | ${speed.toFixed(2)}x | ${target} |${vsTf}`,
  );
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const md = [
  '# softxent benchmark',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpu} (${cpus().length} cores), Node ${process.version}.`,
  `Median over ${ROUNDS} interleaved tinybench rounds of the median time per call, in ns per element;`,
  '(x) is the speedup over the plain JS loop. Library columns go through the normal copying API with',
  'validation and compensated sums; plain JS is the obvious hand-written loop (bench/ops.ts).',
  tf
    ? `${TF}: ${await tfjsLabel(tf)}, the loss alone (no gradient), values read back with dataSync.`
    : 'TF.js not installed: no comparison column.',
  '',
  ...lines,
  '',
  await startup(),
].join('\n');
writeFileSync(new URL('./results/latest.md', import.meta.url), md);
console.log(md);
