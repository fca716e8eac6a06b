// npm run bench: ns/element of every op for plain JS loops, the reference, the scalar and the SIMD
// WebAssembly builds (through the normal copying API), N = 2^10 and 2^20, side by side in one
// process. Prints the table and writes it to bench/results/latest.md.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { createKernel, reference, type Softxent } from '../src/index.js';
import { makeData, OPS } from './ops.js';

const TARGET = 3;
const SIZES = [2 ** 10, 2 ** 20];

const kernels: [string, Softxent][] = [
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

for (const n of SIZES) {
  const d = makeData(n);
  for (const op of OPS) {
    const bench = new Bench({ time: n > 4096 ? 400 : 150, warmupTime: 100 });
    bench.add('plain JS', () => op.plain(d));
    for (const [name, k] of kernels) bench.add(name, () => op.lib(k, d));
    await bench.run();
    const ns: Record<string, number> = {};
    for (const task of bench.tasks) {
      const r = task.result as { latency?: { p50?: number } };
      ns[task.name] = ((r.latency?.p50 ?? Number.NaN) * 1e6) / n;
    }
    rows.push({ op: op.name, n, ns });
  }
}

const cols = ['plain JS', ...kernels.map(([name]) => name)];
const fmt = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
const lines = [
  `| op | N | ${cols.map((c) => `${c} ns/el`).join(' | ')} | wasm-simd speedup | target ${TARGET}x at 2^20 |`,
  `|---|---|${cols.map(() => '---:').join('|')}|---:|:---:|`,
];
for (const r of rows) {
  const speed = r.ns['plain JS'] / r.ns['wasm-simd'];
  const target = r.n === 2 ** 20 ? (speed >= TARGET ? 'met' : `missed (${(speed / TARGET).toFixed(2)} of it)`) : '';
  const cells = cols.map((c) => (c === 'plain JS' ? fmt(r.ns[c]) : `${fmt(r.ns[c])} (${(r.ns['plain JS'] / r.ns[c]).toFixed(2)}x)`));
  lines.push(`| ${r.op} | 2^${Math.log2(r.n)} | ${cells.join(' | ')} | ${speed.toFixed(2)}x | ${target} |`);
}
const cpu = cpus()[0]?.model ?? 'unknown CPU';
const header = [
  '# softxent benchmark',
  '',
  `${new Date().toISOString().slice(0, 10)}, ${cpu} (${cpus().length} cores), Node ${process.version}.`,
  'Median time per call over N elements, in ns per element; (x) is the speedup over the plain JS loop.',
  'Library columns go through the normal copying API with validation; plain JS is the obvious loop.',
  '',
];
const md = `${[...header, ...lines].join('\n')}\n`;
writeFileSync(new URL('./results/latest.md', import.meta.url), md);
console.log(md);
