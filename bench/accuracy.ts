// npm run accuracy: the largest error of each function on each backend against the mpmath fixtures,
// in ulps of the true value (gradients of bceWithLogits: in ulps of the magnitude of their terms).
// Prints the table and writes bench/results/accuracy.md.
import { writeFileSync } from 'node:fs';
import { createKernel, reference, type Softxent } from '../src/index.js';
import { bceAccuracy, elementwiseAccuracy, logitsAccuracy, POS_WEIGHTS, type Worst } from '../test/accuracy.js';

/** The worst of several measurements, points added up. */
const worstOf = (ws: Worst[]): Worst =>
  ws.reduce((a, b) => ({ ...(b.ulps > a.ulps ? b : a), points: a.points + b.points }), { ulps: 0, at: '', points: 0 });

function measure(k: Softxent): Record<string, Worst> {
  const bce = bceAccuracy(k);
  const logits = POS_WEIGHTS.map((pw) => logitsAccuracy(k, pw));
  return {
    log: elementwiseAccuracy(k, 'log'),
    log1p: elementwiseAccuracy(k, 'log1p'),
    'bce loss': bce.loss,
    'bce grad': bce.grad,
    'bceWithLogits loss': worstOf(logits.map((l) => l.loss)),
    'bceWithLogits grad': worstOf(logits.map((l) => l.grad)),
  };
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
  ...fns.map(
    (f) => `| ${f} | ${results[0][1][f].points} | ${results.map(([, r]) => r[f].ulps.toFixed(3)).join(' | ')} |`,
  ),
  '',
].join('\n');
writeFileSync(new URL('./results/accuracy.md', import.meta.url), md);
console.log(md);
