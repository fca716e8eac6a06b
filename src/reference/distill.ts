// The distillation forms of softmaxCrossEntropy (teacher logits, temperature, modes 'reverse-kl' and
// 'js') written for clarity, one row at a time, with the definitions of assembly/distill.ts:
// q = softmax(z/T), p = softmax(s/T) or the probability targets, p' = p (1 - ε) + ε/C, row loss T² L.
import { Sum } from '../sum.js';
import type { MultiCall } from '../validate.js';

// Compensated row sums (a running sum over 32768 classes loses ~10 bits).
const rest = new Sum();
const sL = new Sum();
const sS = new Sum();
const sK = new Sum();

/** Scratch for one row: log q, q, log p', p' (kept apart so that a gradient may overwrite the inputs). */
export class RowScratch {
  readonly lq: Float64Array;
  readonly q: Float64Array;
  readonly lp: Float64Array;
  readonly p: Float64Array;
  constructor(C: number) {
    this.lq = new Float64Array(C);
    this.q = new Float64Array(C);
    this.lp = new Float64Array(C);
    this.p = new Float64Array(C);
  }
}

/**
 * log softmax((x - max x)/T) of row `from` into lq and softmax into q. A row holding +Infinity is the
 * limit where those entries grow together (uniform over them); a row of -Infinity only is uniform.
 * log(sum) is log1p of the sum without one of its 1s, so that a confident row keeps its digits.
 */
function logSoftmax(x: ArrayLike<number>, from: number, C: number, T: number, lq: Float64Array, q: Float64Array): void {
  let m = -Infinity;
  for (let j = 0; j < C; j++) m = Math.max(m, x[from + j]);
  rest.reset();
  let ties = 0;
  for (let j = 0; j < C; j++) {
    const v = x[from + j];
    const d = m === Infinity ? (v === Infinity ? 0 : -Infinity) : m === -Infinity ? 0 : (v - m) / T;
    lq[j] = d;
    if (d === 0) ties++;
    else rest.add(Math.exp(d));
  }
  const r = rest.value();
  const lse = Math.log1p(ties - 1 + r);
  for (let j = 0; j < C; j++) {
    q[j] = Math.exp(lq[j]) / (ties + r);
    lq[j] -= lse;
  }
}

/** c x, with 0 for a zero coefficient c (0 log 0 = 0, 0 x Infinity = 0). */
const nz = (c: number, x: number): number => (c === 0 ? 0 : c * x);

/**
 * A coefficient that is not exactly 0 but underflowed (a softmax is never 0 at a finite logit) raised
 * to the least subnormal, so that against an infinite logarithm its term is infinite, not 0.
 */
const least = (c: number, zero: boolean): number => (zero ? 0 : Math.max(c, Number.MIN_VALUE));

/**
 * Row r's loss T² L (before its weight); writes its gradient w.r.t. the logits, times gw (the row
 * weight and 1/rows for 'mean'), when the call asks for it.
 */
export function distillRow(c: MultiCall, r: number, gw: number, s: RowScratch): number {
  const C = c.classes;
  const from = r * C;
  const T = c.temperature;
  const z = c.logits as ArrayLike<number>;
  const { lq, q, lp, p } = s;
  logSoftmax(z, from, C, T, lq, q);
  if (c.targetLogits) logSoftmax(c.targets, from, C, T, lp, p);
  else for (let j = 0; j < C; j++) p[j] = c.targets[from + j];
  for (let j = 0; j < C; j++) {
    const pj = p[j] * c.keep + c.add;
    // log p' without a log where it is the teacher's own log-softmax
    if (!c.targetLogits || c.add !== 0) lp[j] = Math.log(pj);
    p[j] = pj;
  }
  const cw = (j: number) => (c.classWeight && (c.mode === 'ce' || c.mode === 'kl') ? c.classWeight[j] : 1);
  const b = c.beta;
  sL.reset();
  sS.reset();
  sK.reset();
  // p' is exactly 0 for a zero target, or for a teacher logit of -Infinity without smoothing
  const pZero = (j: number) => (c.targetLogits && c.add === 0 ? lp[j] === -Infinity : p[j] === 0);
  for (let j = 0; j < C; j++) {
    const ct = cw(j) * p[j];
    sS.add(ct);
    const cc = least(ct, cw(j) === 0 || pZero(j));
    if (c.mode === 'ce') sL.add(nz(cc, -lq[j]));
    else if (c.mode === 'kl') sL.add(nz(cc, lp[j] - lq[j]));
    else if (c.mode === 'reverse-kl') sL.add(nz(least(q[j], lq[j] === -Infinity), lq[j] - lp[j]));
    else {
      const lm = Math.log(b * p[j] + (1 - b) * q[j]);
      const tq = nz((1 - b) * q[j], lq[j] - lm);
      sL.add(nz(b * p[j], lp[j] - lm));
      sL.add(tq);
      sK.add(tq);
    }
  }
  const L = sL.value();
  const S = sS.value();
  const K = sK.value();
  if (c.grad) {
    const g = c.grad;
    const f = gw * T;
    for (let j = 0; j < C; j++) {
      let d: number;
      if (c.mode === 'ce' || c.mode === 'kl') d = (q[j] * S - cw(j) * p[j]) * f;
      else if (c.mode === 'js') {
        const lm = Math.log(b * p[j] + (1 - b) * q[j]);
        d = (nz((1 - b) * q[j], lq[j] - lm) - q[j] * K) * f;
      } else if (L === Infinity) d = lq[j] === -Infinity ? 0 : lp[j] === -Infinity ? Infinity : -Infinity;
      else d = (nz(least(q[j], lq[j] === -Infinity), lq[j] - lp[j]) - q[j] * L) * f;
      g[from + j] = d;
    }
  }
  return L * T * T;
}
