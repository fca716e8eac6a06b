// npm run accuracy: the largest error of each function on each backend against the mpmath fixtures,
// in ulps of the true value (gradients of bceWithLogits: in ulps of the magnitude of their terms).
// Prints the table and writes bench/results/accuracy.md.
import { writeFileSync } from 'node:fs';
import { createKernel, reference, type Softxent } from '../src/index.js';
import { fixture, ulp, ulpErr } from '../test/helpers.js';

type Row = number[];
const L = fixture<{ log: Row[]; log1p: Row[] }>('log.json');
const B = fixture<{ bce: Row[]; bceWithLogits: Record<string, Row[]> }>('binary.json');
const col = (rows: Row[], j: number) => Float64Array.from(rows, (r) => r[j]);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), 0);

function measure(k: Softxent): Record<string, number> {
  const out: Record<string, number> = {};
  for (const fn of ['log', 'log1p'] as const) {
    const y = k[fn](col(L[fn], 0));
    out[fn] = max(L[fn].map((r, i) => ulpErr(y[i], r[1], r[2])));
  }
  const g = new Float64Array(B.bce.length);
  const l = k.bce(col(B.bce, 0), col(B.bce, 1), { reduction: 'none', grad: g });
  out['bce loss'] = max(B.bce.map((r, i) => ulpErr(l[i], r[2], r[3])));
  out['bce grad'] = max(B.bce.map((r, i) => ulpErr(g[i], r[4], r[5])));
  let wl = 0;
  let wg = 0;
  for (const [pw, rows] of Object.entries(B.bceWithLogits)) {
    const gx = new Float64Array(rows.length);
    const lx = k.bceWithLogits(col(rows, 0), col(rows, 1), { reduction: 'none', grad: gx, posWeight: Number(pw) });
    wl = Math.max(wl, max(rows.map((r, i) => ulpErr(lx[i], r[2], r[3]))));
    wg = Math.max(wg, max(rows.map((r, i) => Math.abs(gx[i] - r[4] - r[5]) / ulp(r[6]))));
  }
  out['bceWithLogits loss'] = wl;
  out['bceWithLogits grad'] = wg;
  return out;
}

const backends: [string, Softxent][] = [
  ['wasm-simd', await createKernel()],
  ['wasm', await createKernel({ simd: false })],
  ['js (reference)', reference],
];
const results = backends.map(([name, k]) => [name, measure(k)] as const);
const fns = Object.keys(results[0][1]);
const md = [
  '# softxent accuracy',
  '',
  'Largest error over the fixtures (test/fixtures, mpmath at 200 bits), in ulps of the true value.',
  '',
  `| function | points | ${results.map(([n]) => n).join(' | ')} |`,
  `|---|---:|${results.map(() => '---:').join('|')}|`,
  ...fns.map((f) => {
    const pts = f.startsWith('log')
      ? L[f as 'log' | 'log1p'].length
      : f.startsWith('bce ')
        ? B.bce.length
        : Object.values(B.bceWithLogits).reduce((a, r) => a + r.length, 0);
    return `| ${f} | ${pts} | ${results.map(([, r]) => r[f].toFixed(3)).join(' | ')} |`;
  }),
  '',
].join('\n');
writeFileSync(new URL('./results/accuracy.md', import.meta.url), md);
console.log(md);
