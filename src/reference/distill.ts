// The distillation forms of softmaxCrossEntropy (teacher logits, temperature, modes 'reverse-kl' and
// 'js') written for clarity, one row at a time, with the definitions of assembly/distill.ts:
// q = softmax(z/T), p = softmax(s/T) or the probability targets, p' = p (1 - ε) + ε/C, row loss T² L.
import type { MultiCall } from '../validate.js';

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
  let rest = 0;
  let ties = 0;
  for (let j = 0; j < C; j++) {
    const v = x[from + j];
    const d = m === Infinity ? (v === Infinity ? 0 : -Infinity) : m === -Infinity ? 0 : (v - m) / T;
    lq[j] = d;
    if (d === 0) ties++;
    else rest += Math.exp(d);
  }
  const lse = Math.log1p(ties - 1 + rest);
  for (let j = 0; j < C; j++) {
    q[j] = Math.exp(lq[j]) / (ties + rest);
    lq[j] -= lse;
  }
}

/** c x, with 0 for a zero coefficient c (0 log 0 = 0, 0 x Infinity = 0). */
const nz = (c: number, x: number): number => (c === 0 ? 0 : c * x);

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
  let L = 0;
  let S = 0;
  let K = 0;
  for (let j = 0; j < C; j++) {
    const ct = cw(j) * p[j];
    S += ct;
    if (c.mode === 'ce') L += nz(ct, -lq[j]);
    else if (c.mode === 'kl') L += nz(ct, lp[j] - lq[j]);
    else if (c.mode === 'reverse-kl') L += nz(q[j], lq[j] - lp[j]);
    else {
      const lm = Math.log(b * p[j] + (1 - b) * q[j]);
      const tq = nz((1 - b) * q[j], lq[j] - lm);
      L += nz(b * p[j], lp[j] - lm) + tq;
      K += tq;
    }
  }
  if (c.grad) {
    const g = c.grad;
    const f = gw * T;
    for (let j = 0; j < C; j++) {
      let d: number;
      if (c.mode === 'ce' || c.mode === 'kl') d = (q[j] * S - cw(j) * p[j]) * f;
      else if (c.mode === 'js') {
        const lm = Math.log(b * p[j] + (1 - b) * q[j]);
        d = (nz((1 - b) * q[j], lq[j] - lm) - q[j] * K) * f;
      } else if (L === Infinity) d = q[j] === 0 ? 0 : lp[j] === -Infinity ? Infinity : -Infinity;
      else d = (nz(q[j], lq[j] - lp[j]) - q[j] * L) * f;
      g[from + j] = d;
    }
  }
  return L * T * T;
}
