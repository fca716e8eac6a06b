// softmaxCrossEntropy with class indices, written for clarity, one row at a time, with the formulas of
// assembly/distill.ts's softmaxIndex: with d = z - max z, lse' = log1p(s - 1),
//   L = keep w_y (lse' - d_y) + add (W lse' - Σ w_c d_c),  dL/dz_c = q_c S - keep w_y [c = y] - add w_c.
import { NEG_INF, POS_INF, reduce, Sum } from '../sum.js';
import type { FloatArray } from '../types.js';
import { badWeight, isWeight, type LabelCall, labelError } from '../validate.js';
import { limit, rowMax } from './rows.js';

/** Whether row r is skipped: masked out or ignored. */
const skipped = (c: LabelCall, r: number): boolean =>
  (c.mask !== undefined && c.mask[r] === 0) || (!c.noIgnore && c.labels[r] === c.ignoreIndex);

/**
 * The denominator of 'mean' (PyTorch's rule): Σ classWeight[label] (1 without class weights) over the
 * rows neither masked nor ignored whose label is a class index (a bad label is reported by check).
 */
function denominator(c: LabelCall): number {
  const s = new Sum();
  for (let r = 0; r < c.n; r++) {
    const y = c.labels[r];
    if (!skipped(c, r) && y >= 0 && y < c.classes) s.add(c.classWeight ? c.classWeight[y] : 1);
  }
  return s.value();
}

/** The first bad input of the kept rows, in row order: a NaN logit, the label, the row's weight. */
function check(c: LabelCall): void {
  const C = c.classes;
  for (let r = 0; r < c.n; r++) {
    if (skipped(c, r)) continue;
    for (let i = r * C; i < (r + 1) * C; i++) {
      if (Number.isNaN(c.logits[i])) throw new RangeError(`${c.fn}: logits[${i}] is NaN`);
    }
    const y = c.labels[r];
    if (!(y >= 0 && y < C)) throw labelError(c, r);
    if (c.weight && !isWeight(c.weight[r])) throw badWeight(c.fn, r, c.weight[r]);
  }
}

/** The loss of row r (before its weight); writes its gradient, scaled by gw, when asked. */
function row(c: LabelCall, r: number, gw: number, e: Float64Array): number {
  const C = c.classes;
  const from = r * C;
  const z = c.logits;
  const y = c.labels[r];
  const m0 = rowMax(z, from, C);
  const m = Number.isFinite(m0) ? m0 : 0;
  let rest = 0;
  let ties = 0;
  const a = new Sum();
  for (let j = 0; j < C; j++) {
    const d = limit(z[from + j], m0) - m;
    e[j] = Math.exp(d);
    if (d === 0) ties++;
    else rest += e[j];
    const wj = c.classWeight ? c.classWeight[j] : 1;
    if (wj !== 0) a.add(wj * d);
  }
  const lse = Math.log1p(ties - 1 + rest);
  const wy = c.classWeight ? c.classWeight[y] : 1;
  const ky = c.keep * wy;
  const dy = limit(z[from + y], m0) - m;
  let loss = ky === 0 ? 0 : ky * (lse - dy);
  if (c.add !== 0) loss += c.add * (c.sumW * lse - a.value());
  if (c.grad) {
    const k = (ky + c.add * c.sumW) / (rest + ties);
    for (let j = 0; j < C; j++) {
      const ct = c.add * (c.classWeight ? c.classWeight[j] : 1) + (j === y ? ky : 0);
      c.grad[from + j] = (e[j] * k - ct) * gw;
    }
  }
  return loss;
}

export function labelRun(c: LabelCall): number | FloatArray {
  check(c);
  const den = c.reduction === 'mean' ? denominator(c) : 1;
  const out = c.reduction === 'none' ? (c.out ?? new Float64Array(c.n)) : undefined;
  const sum = new Sum();
  let inf = 0;
  const e = new Float64Array(c.classes);
  for (let r = 0; r < c.n; r++) {
    const w = c.weight ? c.weight[r] : 1;
    // A skipped row or a zero weight: loss and gradient 0, even where they would be infinite.
    const skip = skipped(c, r) || w === 0;
    const v = skip ? 0 : w * row(c, r, w * (1 / den), e);
    if (skip) c.grad?.fill(0, r * c.classes, (r + 1) * c.classes);
    if (out) out[r] = v;
    if (!skipped(c, r)) sum.add(v);
    if (Math.abs(v) === Infinity) inf |= v > 0 ? POS_INF : NEG_INF;
  }
  // 'mean' divides by Σ classWeight[label] over the kept rows
  return reduce({ reduction: c.reduction, n: den }, sum, out, inf);
}
