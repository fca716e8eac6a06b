// npm run accuracy: the largest error of each function on each backend against the mpmath fixtures,
// in ulps of the true value (gradients of bceWithLogits: in ulps of the magnitude of their terms).
// Prints the table and writes bench/results/accuracy.md, and bench/results/cblognorm.svg: cbLogNorm's
// error at every fixture lambda, softxent's and PyTorch's formula's.
import { writeFileSync } from 'node:fs';
import { createKernel, reference, type Softxent } from '../src/index.js';
import {
  bceAccuracy,
  cbLogNormAccuracy,
  cbMeanAccuracy,
  cbNllAccuracy,
  DS,
  distillAccuracy,
  distillBceAccuracy,
  elementwiseAccuracy,
  focalAccuracy,
  labelsAccuracy,
  logitsAccuracy,
  logNormErrors,
  POS_WEIGHTS,
  smoothingAccuracy,
  softmaxAccuracy,
  torchLogNormAccuracy,
  type Worst,
} from '../test/accuracy.js';
import { lineChart } from './svg.js';

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
    cbLogNorm: cbLogNormAccuracy(k, false),
    cbLogNormWithLogits: cbLogNormAccuracy(k, true),
    'cbMean (probs)': cbMeanAccuracy(k, false),
    'cbMean (logits)': cbMeanAccuracy(k, true),
    'cbNll loss *': cbNllAccuracy(k, false).loss,
    'cbNll grad *': cbNllAccuracy(k, false).grad,
    'cbNllWithLogits loss *': cbNllAccuracy(k, true).loss,
    'cbNllWithLogits grad *': cbNllAccuracy(k, true).grad,
    'softmaxCrossEntropy loss (rows)': softmaxAccuracy(k, 'ce').ulps,
    'softmaxCrossEntropy loss (rows) **': softmaxAccuracy(k, 'ce').loss,
    'softmaxCrossEntropy grad **': softmaxAccuracy(k, 'ce').grad,
    "softmaxCrossEntropy mode 'kl' **": softmaxAccuracy(k, 'kl').loss,
    'entropy **': softmaxAccuracy(k, 'h').loss,
    ...Object.fromEntries(
      (['ce', 'kl', 'reverse-kl', 'js'] as const).flatMap((mode) => {
        const a = distillAccuracy(
          k,
          DS.cases.filter((c) => c.mode === mode),
        );
        return [
          [`distillation '${mode}' loss **`, a.loss],
          [`distillation '${mode}' grad **`, a.grad],
        ];
      }),
    ),
    'bceWithLogits targetLogits loss **': distillBceAccuracy(k).loss,
    'bceWithLogits targetLogits grad **': distillBceAccuracy(k).grad,
    'softmaxCrossEntropy class indices loss **': labelsAccuracy(k).loss,
    'softmaxCrossEntropy class indices grad **': labelsAccuracy(k).grad,
    'sigmoidFocalLoss loss **': focalAccuracy(k).loss,
    'sigmoidFocalLoss grad **': focalAccuracy(k).grad,
    'bce labelSmoothing loss **': smoothingAccuracy(k, 'bce').loss,
    'bce labelSmoothing grad **': smoothingAccuracy(k, 'bce').grad,
    'bceWithLogits labelSmoothing loss **': smoothingAccuracy(k, 'bceWithLogits').loss,
    'bceWithLogits labelSmoothing grad **': smoothingAccuracy(k, 'bceWithLogits').grad,
  };
}

// cbLogNorm against PyTorch's formula (torch.distributions.ContinuousBernoulli._cont_bern_log_norm,
// values stored by the fixture generator), by region of lambda.
const REGIONS: [string, (v: number) => boolean][] = [
  ['lambda or 1 - lambda < 2.2e-16 (PyTorch clamps)', (v) => Math.min(v, 1 - v) < 2.220446049250313e-16],
  ["PyTorch's Taylor window (0.499, 0.501]", (v) => v > 0.499 && v <= 0.501],
  ['elsewhere', (v) => Math.min(v, 1 - v) >= 2.220446049250313e-16 && !(v > 0.499 && v <= 0.501)],
  ['all', () => true],
];

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
  '\\* in units of eps = 2^-52 times the sum of the magnitudes of the terms (NLL: |x log lambda|,',
  '|(1-x) log(1-lambda)|, |log C|; gradient: (|mu| + |x|), divided by lambda(1-lambda) for probabilities).',
  '',
  "\\*\\* in units of eps times the row's scale: loss |loss| + sum_c |w_c t'_c| (|z_c| + |lse|) (the issue's",
  "bound; KL and entropy add sum |w t' log t'|); gradient: the largest of the row's terms |w q_c sum(w t')| and",
  "|w w_c t'_c|, whose difference it is. In ulps of the true value, CE's largest errors are in confident",
  'rows, where the loss depends on z_c - m with condition number ~|z|.',
  '',
  '## cbLogNorm against PyTorch 1.13 (ContinuousBernoulli._cont_bern_log_norm), ulps of the true value',
  '',
  '| region of lambda | points | softxent (wasm-simd) | PyTorch |',
  '|---|---:|---:|---:|',
  ...REGIONS.map(([name, keep]) => {
    const ours = cbLogNormAccuracy(backends[0][1], false, keep);
    const torch = torchLogNormAccuracy(false, keep);
    const fmt = (u: number) => (u < 1e4 ? u.toFixed(3) : u.toExponential(1));
    return `| ${name} | ${ours.points} | ${fmt(ours.ulps)} | ${fmt(torch.ulps)} (at ${torch.at.replace('torch log C(', 'λ = ').replace(/\) = .*/, '')}) |`;
  }),
  '',
].join('\n');
writeFileSync(new URL('./results/accuracy.md', import.meta.url), md);
const errs = logNormErrors(backends[0][1]);
writeFileSync(
  new URL('./results/cblognorm.svg', import.meta.url),
  lineChart({
    title: 'cbLogNorm: error in ulps of the true value (mpmath) at each fixture lambda',
    dots: true,
    xLabel: 'lambda',
    yLabel: 'ulps (log scale; 0 drawn at 0.001)',
    x: errs.map((e) => e.lambda),
    yMin: 1e-3,
    lines: [
      { name: 'softxent cbLogNorm (wasm-simd)', y: errs.map((e) => e.ours) },
      {
        name: "PyTorch 1.13's formula (ContinuousBernoulli._cont_bern_log_norm, float64)",
        y: errs.map((e) => e.torch),
      },
    ],
  }),
);
console.log(md);
