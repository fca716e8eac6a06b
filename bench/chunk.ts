// npm run bench:chunk: ns/element through the copying API for several arena chunk sizes, N = 2^20,
// interleaved rounds, medians. Chose DEFAULT_CHUNK in src/arena.ts.
import { createKernel, type Softxent } from '../dist/index.js';
import { makeData, median, OPS } from './ops.js';

const N = 2 ** 20;
const SIZES = [512, 1024, 2048, 4096, 8192, 16384, 65536];
const d = makeData(N);
const kernels: [number, Softxent][] = [];
for (const chunk of SIZES) kernels.push([chunk, await createKernel({ chunk })]);
const ops = OPS.filter((o) => o.name !== 'bce');
const t: Record<string, number[]> = {};
for (let round = 0; round < 15; round++) {
  for (const op of ops) {
    for (const [chunk, k] of kernels) {
      const t0 = performance.now();
      op.lib(k, d);
      const key = `${op.name} ${chunk}`;
      t[key] = [...(t[key] ?? []), ((performance.now() - t0) * 1e6) / N];
    }
  }
}
console.log(`| op | ${SIZES.join(' | ')} |\n|---|${SIZES.map(() => '---:').join('|')}|`);
for (const op of ops)
  console.log(`| ${op.name} | ${SIZES.map((c) => median(t[`${op.name} ${c}`].slice(3)).toFixed(2)).join(' | ')} |`);
