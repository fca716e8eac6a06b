// Error of each function against the mpmath fixtures, in ulps of the true value: used by the tests
// (which bound it) and by bench/accuracy.ts (which reports it).
import type { Reduction, SoftmaxOptions, Softxent } from '../src/index.js';
import { col, fixture, ulp, ulpErr, worst } from './helpers.js';

/** The largest error over a fixture, where it was, and how many points were measured. */
export interface Worst {
  ulps: number;
  at: string;
  points: number;
}

type Row = number[];
const L = fixture<{ log: Row[]; log1p: Row[] }>('log.json');
const B = fixture<{ bce: Row[]; bceWithLogits: Record<string, Row[]> }>('binary.json');

/** The posWeight values of the bceWithLogits fixtures. */
export const POS_WEIGHTS = Object.keys(B.bceWithLogits);

function over(rows: Row[], err: (r: Row, i: number) => number, at: (r: Row, i: number) => string): Worst {
  return { ...worst(rows.map((r, i) => [err(r, i), at(r, i)])), points: rows.length };
}

/** log or log1p; rows: [x, true rounded, residual]. */
export function elementwiseAccuracy(k: Softxent, fn: 'log' | 'log1p'): Worst {
  const y = k[fn](col(L[fn], 0));
  return over(
    L[fn],
    (r, i) => ulpErr(y[i], r[1], r[2]),
    (r, i) => `${fn}(${r[0]}) = ${y[i]}`,
  );
}

/** bce per element with its gradient; rows: [p, t, loss, residual, grad, residual]. */
export function bceAccuracy(k: Softxent): { loss: Worst; grad: Worst } {
  const rows = B.bce;
  const grad = new Float64Array(rows.length);
  const loss = k.bce(col(rows, 0), col(rows, 1), { reduction: 'none', grad });
  const at = (v: Float64Array) => (r: Row, i: number) => `bce(p=${r[0]}, t=${r[1]}) -> ${v[i]}`;
  return {
    loss: over(rows, (r, i) => ulpErr(loss[i], r[2], r[3]), at(loss)),
    grad: over(rows, (r, i) => ulpErr(grad[i], r[4], r[5]), at(grad)),
  };
}

/**
 * bceWithLogits per element with its gradient for one posWeight; rows: [x, t, loss, residual, grad,
 * residual, scale]. The gradient (pw t + 1 - t) sigmoid(x) - pw t cancels near its zero: its error is
 * measured in ulps of the magnitude of its terms (scale).
 */
export function logitsAccuracy(k: Softxent, pw: string): { loss: Worst; grad: Worst } {
  const rows = B.bceWithLogits[pw];
  const grad = new Float64Array(rows.length);
  const loss = k.bceWithLogits(col(rows, 0), col(rows, 1), { reduction: 'none', grad, posWeight: Number(pw) });
  const at = (v: Float64Array) => (r: Row, i: number) => `bceWithLogits(x=${r[0]}, t=${r[1]}, pw=${pw}) -> ${v[i]}`;
  return {
    loss: over(rows, (r, i) => ulpErr(loss[i], r[2], r[3]), at(loss)),
    grad: over(rows, (r, i) => Math.abs(grad[i] - r[4] - r[5]) / ulp(r[6]), at(grad)),
  };
}

const C = fixture<{
  logNorm: Row[];
  logNormTorch: number[];
  logNormLogits: Row[];
  logNormLogitsTorch: number[];
  mean: Row[];
  meanLogits: Row[];
  nll: Row[];
  nllLogits: Row[];
}>('cb.json');

/** cbLogNorm (probabilities) or cbLogNormWithLogits; rows: [input, true rounded, residual]. */
export function cbLogNormAccuracy(k: Softxent, logits: boolean, keep: (v: number) => boolean = () => true): Worst {
  const rows = (logits ? C.logNormLogits : C.logNorm).filter((r) => keep(r[0]));
  const y = logits ? k.cbLogNormWithLogits(col(rows, 0)) : k.cbLogNorm(col(rows, 0));
  const fn = logits ? 'cbLogNormWithLogits' : 'cbLogNorm';
  return over(
    rows,
    (r, i) => ulpErr(y[i], r[1], r[2]),
    (r, i) => `${fn}(${r[0]}) = ${y[i]}`,
  );
}

/** PyTorch's log-normalizer (torch.distributions.ContinuousBernoulli) at the same points. */
export function torchLogNormAccuracy(logits: boolean, keep: (v: number) => boolean = () => true): Worst {
  const all = logits ? C.logNormLogits : C.logNorm;
  const ys = logits ? C.logNormLogitsTorch : C.logNormTorch;
  const rows = all.filter((r) => keep(r[0]));
  const y = ys.filter((_, i) => keep(all[i][0]));
  return over(
    rows,
    (r, i) => ulpErr(y[i], r[1], r[2]),
    (r, i) => `torch log C(${r[0]}) = ${y[i]}`,
  );
}

/** Per-point errors of cbLogNorm (k's and PyTorch's formula), in ulps of the true value, by increasing lambda. */
export function logNormErrors(k: Softxent): { lambda: number; ours: number; torch: number }[] {
  const y = k.cbLogNorm(col(C.logNorm, 0));
  return C.logNorm
    .map((r, i) => ({ lambda: r[0], ours: ulpErr(y[i], r[1], r[2]), torch: ulpErr(C.logNormTorch[i], r[1], r[2]) }))
    .sort((a, b) => a.lambda - b.lambda);
}

/** cbMean from probabilities or logits; rows: [input, true rounded, residual]. */
export function cbMeanAccuracy(k: Softxent, logits: boolean): Worst {
  const rows = logits ? C.meanLogits : C.mean;
  const y = k.cbMean(col(rows, 0), { logits });
  return over(
    rows,
    (r, i) => ulpErr(y[i], r[1], r[2]),
    (r, i) => `cbMean(${r[0]}${logits ? ', logits' : ''}) = ${y[i]}`,
  );
}

/**
 * cbNll or cbNllWithLogits per element with its gradient; rows: [probs or logits, x, loss, residual,
 * terms, grad, residual, grad terms]. Errors in units of eps times the sum of the magnitudes of the
 * terms (the NLL and the gradient are differences that may cancel).
 */
export function cbNllAccuracy(k: Softxent, logits: boolean): { loss: Worst; grad: Worst } {
  const rows = logits ? C.nllLogits : C.nll;
  const grad = new Float64Array(rows.length);
  const fn = logits ? k.cbNllWithLogits : k.cbNll;
  const loss = fn(col(rows, 1), col(rows, 0), { reduction: 'none', grad });
  const eps = 2 ** -52;
  const at = (v: Float64Array) => (r: Row, i: number) =>
    `${logits ? 'cbNllWithLogits' : 'cbNll'}(x=${r[1]}, ${r[0]}) -> ${v[i]}`;
  return {
    loss: over(rows, (r, i) => Math.abs(loss[i] - r[2] - r[3]) / (eps * r[4]), at(loss)),
    grad: over(rows, (r, i) => Math.abs(grad[i] - r[5] - r[6]) / (eps * r[7]), at(grad)),
  };
}

/** A batch of softmax.json with its options. */
export interface SoftmaxBatch {
  classes: number;
  logits: number[];
  targets: number[];
  classWeight: number[] | null;
  labelSmoothing: number;
  weight: number[] | null;
}

/** A batch with per-row truths ([rounded, residual]) and their error scales. */
export interface SoftmaxCase extends SoftmaxBatch {
  ce: Row[];
  kl: Row[];
  h: Row[];
  scale: number[];
  klScale: number[];
  hScale: number[];
  grad: number[];
  gradScale: number[];
}
export const SM = fixture<{ cases: SoftmaxCase[] }>('softmax.json');

/** The options of a fixture batch, as Float64Arrays. */
export function smOptions(c: SoftmaxBatch, reduction: Reduction = 'none') {
  return {
    reduction,
    labelSmoothing: c.labelSmoothing,
    ...(c.classWeight ? { classWeight: Float64Array.from(c.classWeight) } : {}),
    ...(c.weight ? { weight: Float64Array.from(c.weight) } : {}),
  };
}

/**
 * softmaxCrossEntropy (mode 'ce' or 'kl') or entropy per row against mpmath, over every fixture
 * batch: the loss in units of eps times the row's scale (|loss| + sum_c |w t'_c| (|z_c| + |lse|), plus
 * sum |w t' log t'| for KL and H), the loss in ulps of the true value (CE only: its terms are all
 * >= 0), and the gradient in units of eps times the largest of its terms w q_c sum(ct) and w ct_c in
 * the row (at the optimum the gradient is their difference, near 0: no method does better there).
 */
export function softmaxAccuracy(
  k: Softxent,
  mode: 'ce' | 'kl' | 'h',
  cases: readonly SoftmaxCase[] = SM.cases,
): { loss: Worst; ulps: Worst; grad: Worst } {
  const eps = 2 ** -52;
  const loss: [number, string][] = [];
  const ulps: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of cases) {
    const C = c.classes;
    const o = { ...smOptions(c), reduction: 'none' as const };
    const z = Float64Array.from(c.logits);
    const t = Float64Array.from(c.targets);
    const g = new Float64Array(z.length);
    const y =
      mode === 'h'
        ? k.entropy(t, C, o)
        : k.softmaxCrossEntropy(z, t, C, { ...o, grad: g, mode: mode === 'kl' ? 'kl' : 'ce' });
    const truth = c[mode];
    const scale = mode === 'ce' ? c.scale : mode === 'kl' ? c.klScale : c.hScale;
    truth.forEach(([r, res], i) => {
      const at = `${mode} C=${C} row ${i} eps=${c.labelSmoothing} cw=${!!c.classWeight}: ${y[i]} vs ${r}`;
      const e = Number.isFinite(r)
        ? Math.abs(y[i] - r - res) / (eps * scale[i] || 2 ** -1074)
        : y[i] === r
          ? 0
          : Infinity;
      loss.push([e, at]);
      if (mode === 'ce') ulps.push([ulpErr(y[i], r, res), at]);
      if (mode === 'h') return;
      const gmax = c.gradScale[i];
      for (let j = i * C; j < (i + 1) * C; j++) {
        grad.push([
          Math.abs(g[j] - c.grad[j]) / (eps * gmax || 2 ** -1074),
          `${at}, grad[${j}] = ${g[j]} vs ${c.grad[j]}`,
        ]);
      }
    });
  }
  const w = (xs: [number, string][]) => ({ ...worst(xs), points: xs.length });
  return { loss: w(loss), ulps: w(ulps), grad: w(grad) };
}

// ---------------------------------------------------------------------------------------------
// Distillation (test/fixtures/distill.json): per-row losses and gradients in units of eps times the
// magnitude of the formula's terms (each log counted with its conditioning, |z/T| + |lse|).

/** A distillation batch: its arrays and options (classWeight absent in the PyTorch cases). */
export interface DistillBatch {
  classes: number;
  logits: number[];
  targets: number[];
  targetLogits: boolean;
  temperature: number;
  mode: 'ce' | 'kl' | 'reverse-kl' | 'js';
  beta: number;
  labelSmoothing: number;
  classWeight?: number[] | null;
  weight: number[] | null;
}

/** A batch with per-row truths [rounded, residual] and error scales. */
export interface DistillCase extends DistillBatch {
  loss: [number, number][];
  scale: number[];
  /** Flat indices of the stored gradient entries (long rows); all entries when absent. */
  gradIndex?: number[];
  grad: number[];
  gradScale: number[];
}

/** bceWithLogits against teacher logits: per-element truths and scales. */
export interface DistillBce {
  logits: number[];
  targets: number[];
  temperature: number;
  posWeight: number | null;
  weight: number[] | null;
  loss: [number, number][];
  scale: number[];
  grad: number[];
  gradScale: number[];
}

export const DS = fixture<{ cases: DistillCase[]; bce: DistillBce[] }>('distill.json');

/** A distillation case's options for softmaxCrossEntropy. */
export function dsOptions(c: DistillBatch, reduction: Reduction = 'none'): SoftmaxOptions {
  const o: SoftmaxOptions = {
    reduction,
    mode: c.mode,
    targetLogits: c.targetLogits,
    temperature: c.temperature,
    labelSmoothing: c.labelSmoothing,
  };
  if (c.mode === 'js') o.beta = c.beta;
  if (c.classWeight) o.classWeight = Float64Array.from(c.classWeight);
  if (c.weight) o.weight = Float64Array.from(c.weight);
  return o;
}

/** The worst loss and gradient errors over distillation cases (default: all, or one mode's). */
export function distillAccuracy(k: Softxent, cases: readonly DistillCase[] = DS.cases): { loss: Worst; grad: Worst } {
  const eps = 2 ** -52;
  const loss: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of cases) {
    const C = c.classes;
    const g = new Float64Array(c.logits.length);
    const what = `${c.mode} C=${C} T=${c.temperature} tl=${c.targetLogits} eps=${c.labelSmoothing}`;
    const z = Float64Array.from(c.logits);
    const l = k.softmaxCrossEntropy(z, Float64Array.from(c.targets), C, { ...dsOptions(c), grad: g }) as Float64Array;
    c.loss.forEach(([r, res], i) => {
      const e = Number.isFinite(r) ? Math.abs(l[i] - r - res) / (eps * c.scale[i] || 2 ** -1074) : ulpErr(l[i], r, res);
      loss.push([e, `${what} row ${i}: ${l[i]} vs ${r}`]);
    });
    const idx = c.gradIndex ?? c.grad.map((_, j) => j);
    idx.forEach((j, n) => {
      const want = c.grad[n];
      const e = Number.isFinite(want)
        ? Math.abs(g[j] - want) / (eps * c.gradScale[Math.floor(j / C)] || 2 ** -1074)
        : Object.is(g[j], want)
          ? 0
          : Infinity;
      grad.push([e, `${what} grad ${j}: ${g[j]} vs ${want}`]);
    });
  }
  return { loss: { ...worst(loss), points: loss.length }, grad: { ...worst(grad), points: grad.length } };
}

/** bceWithLogits against teacher logits: the worst loss and gradient errors in eps of their terms. */
export function distillBceAccuracy(k: Softxent): { loss: Worst; grad: Worst } {
  const eps = 2 ** -52;
  const loss: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of DS.bce) {
    const g = new Float64Array(c.logits.length);
    const l = k.bceWithLogits(Float64Array.from(c.logits), Float64Array.from(c.targets), {
      targetLogits: true,
      temperature: c.temperature,
      reduction: 'none',
      grad: g,
      ...(c.weight ? { weight: Float64Array.from(c.weight) } : {}),
      ...(c.posWeight === null ? {} : { posWeight: c.posWeight }),
    });
    c.loss.forEach(([r, res], i) => {
      const at = `T=${c.temperature} ${i}: z ${c.logits[i]} s ${c.targets[i]}`;
      loss.push([Math.abs(l[i] - r - res) / (eps * c.scale[i] || 2 ** -1074), `${at} loss ${l[i]}`]);
      grad.push([Math.abs(g[i] - c.grad[i]) / (eps * c.gradScale[i] || 2 ** -1074), `${at} grad ${g[i]}`]);
    });
  }
  return { loss: { ...worst(loss), points: loss.length }, grad: { ...worst(grad), points: grad.length } };
}

// ---------------------------------------------------------------------------------------------
// Issue 15: class indices, the focal loss, binary label smoothing; errors in eps of the terms' magnitude.

interface ScaledCase {
  loss: [number, number][];
  scale: number[];
  grad: number[];
  gradScale: number[];
  gradIndex?: number[];
}

/** Loss and gradient errors of one case, in eps times its scales (a gradient against `gscale(j)`). */
function scaled(
  c: ScaledCase,
  l: ArrayLike<number>,
  g: ArrayLike<number>,
  at: (i: number) => string,
  gscale: (j: number) => number = (j) => c.gradScale[j],
  loss: [number, string][] = [],
  grad: [number, string][] = [],
): void {
  const eps = 2 ** -52;
  c.loss.forEach(([r, res], i) => {
    const e = Number.isFinite(r) ? Math.abs(l[i] - r - res) / (eps * c.scale[i] || 2 ** -1074) : ulpErr(l[i], r, res);
    loss.push([e, `${at(i)} loss ${l[i]}`]);
  });
  c.grad.forEach((want, j) => {
    const i = c.gradIndex ? c.gradIndex[j] : j;
    const e = Number.isFinite(want)
      ? Math.abs(g[i] - want) / (eps * gscale(j) || 2 ** -1074)
      : Object.is(g[i], want)
        ? 0
        : Infinity;
    grad.push([e, `${at(i)} grad ${g[i]} vs ${want}`]);
  });
}

const result = (loss: [number, string][], grad: [number, string][]) => ({
  loss: { ...worst(loss), points: loss.length },
  grad: { ...worst(grad), points: grad.length },
});

export interface LabelCase extends ScaledCase {
  classes: number;
  logits: number[];
  labels: number[];
  ignoreIndex: number;
  labelSmoothing: number;
  classWeight: number[] | null;
  weight: number[] | null;
}
export const LB = fixture<{ cases: LabelCase[] }>('labels.json');

/** Class-index CE: rows in eps of their scale, gradients in eps of their row's largest scale. */
export function labelsAccuracy(k: Softxent): { loss: Worst; grad: Worst } {
  const loss: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of LB.cases) {
    const g = new Float64Array(c.logits.length);
    const l = k.softmaxCrossEntropy(Float64Array.from(c.logits), Int32Array.from(c.labels), c.classes, {
      ignoreIndex: c.ignoreIndex,
      labelSmoothing: c.labelSmoothing,
      classWeight: c.classWeight ? Float64Array.from(c.classWeight) : undefined,
      weight: c.weight ? Float64Array.from(c.weight) : undefined,
      reduction: 'none',
      grad: g,
    });
    const rowScale = new Float64Array(c.labels.length);
    const row = (j: number) => Math.floor((c.gradIndex ? c.gradIndex[j] : j) / c.classes);
    c.gradScale.forEach((s, j) => {
      rowScale[row(j)] = Math.max(rowScale[row(j)], s);
    });
    scaled(
      c,
      l,
      g,
      (i) => `C=${c.classes} ${i}`,
      (j) => rowScale[row(j)],
      loss,
      grad,
    );
  }
  return result(loss, grad);
}

export interface FocalCase extends ScaledCase {
  gamma: number;
  alpha: number | null;
  logits: number[];
  targets: number[];
  weight: number[] | null;
}
export const FC = fixture<{ cases: FocalCase[]; limits: FocalCase[] }>('focal.json');

export function focalAccuracy(k: Softxent): { loss: Worst; grad: Worst } {
  const loss: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of [...FC.cases, ...FC.limits]) {
    const g = new Float64Array(c.logits.length);
    const l = k.sigmoidFocalLoss(Float64Array.from(c.logits), Float64Array.from(c.targets), {
      gamma: c.gamma,
      alpha: c.alpha,
      weight: c.weight ? Float64Array.from(c.weight) : undefined,
      reduction: 'none',
      grad: g,
    });
    scaled(
      c,
      l,
      g,
      (i) => `gamma ${c.gamma} alpha ${c.alpha} x ${c.logits[i]} t ${c.targets[i]}`,
      undefined,
      loss,
      grad,
    );
  }
  return result(loss, grad);
}

interface SmoothCase extends ScaledCase {
  labelSmoothing: number;
  posWeight?: number | null;
  probs?: number[];
  logits?: number[];
  targets: number[];
}
const SMO = fixture<{ bce: SmoothCase[]; bceWithLogits: SmoothCase[] }>('smoothing.json');

export function smoothingAccuracy(k: Softxent, fn: 'bce' | 'bceWithLogits'): { loss: Worst; grad: Worst } {
  const loss: [number, string][] = [];
  const grad: [number, string][] = [];
  for (const c of SMO[fn]) {
    const a = Float64Array.from((fn === 'bce' ? c.probs : c.logits) as number[]);
    const t = Float64Array.from(c.targets);
    const g = new Float64Array(a.length);
    const o = { labelSmoothing: c.labelSmoothing, reduction: 'none' as const, grad: g };
    const l = fn === 'bce' ? k.bce(a, t, o) : k.bceWithLogits(a, t, { ...o, posWeight: c.posWeight ?? 1 });
    scaled(c, l, g, (i) => `eps ${c.labelSmoothing} ${a[i]} ${t[i]}`, undefined, loss, grad);
  }
  return result(loss, grad);
}
