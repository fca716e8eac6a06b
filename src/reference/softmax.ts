// Multi-class cross-entropy, KL divergence and entropy written for clarity, one row at a time, with
// the formulas of assembly/softmax.ts: m = max z, e_c = exp(z_c - m),
// CE = sum ct_c (m - z_c) + (sum ct_c) log1p(s - 1), ct = classWeight t', every term >= 0.
import { NEG_INF, POS_INF, reduce, Sum } from '../sum.js';
import type { Entropy, FloatArray, SoftmaxLoss } from '../types.js';
import {
  badInRow,
  isIndexArray,
  keptCount,
  labelCall,
  type MultiCall,
  multiCall,
  withDenominator,
} from '../validate.js';
import { distillRow, RowScratch } from './distill.js';
import { labelRun } from './labels.js';
import { limit, rowMax } from './rows.js';

/** w_j t'_j of element j of a row starting at `from`. */
const weighted = (c: MultiCall, from: number, j: number): number =>
  (c.targets[from + j] * c.keep + c.add) * (c.classWeight ? c.classWeight[j] : 1);

/** The loss of row r (before its weight); writes its gradient, scaled by gw, when asked. */
function row(c: MultiCall, r: number, gw: number, e: Float64Array): number {
  const C = c.classes;
  const from = r * C;
  // sum w t' log t' (0 log 0 = 0), for the entropy and KL
  let tlog = 0;
  if (!c.logits || c.mode === 'kl') {
    for (let j = 0; j < C; j++) {
      const tp = c.targets[from + j] * c.keep + c.add;
      if (tp !== 0) tlog += weighted(c, from, j) * Math.log(tp);
    }
  }
  if (!c.logits) return 0 - tlog;
  const z = c.logits;
  const m0 = rowMax(z, from, C);
  const m = Number.isFinite(m0) ? m0 : 0;
  let s0 = 0;
  let a = 0;
  let rest = 0;
  let ties = 0;
  for (let j = 0; j < C; j++) {
    const zj = limit(z[from + j], m0);
    e[j] = Math.exp(zj - m);
    const w = weighted(c, from, j);
    s0 += w;
    if (w !== 0) a += w * (m - zj);
    if (zj === m) ties++;
    else rest += e[j];
  }
  if (c.grad) {
    const k = s0 / (rest + ties);
    for (let j = 0; j < C; j++) c.grad[from + j] = (e[j] * k - weighted(c, from, j)) * gw;
  }
  return a + s0 * Math.log1p(ties - 1 + rest) + (c.mode === 'kl' ? tlog : 0);
}

function run(call: MultiCall): number | FloatArray {
  const mask = call.mask;
  const c = mask ? withDenominator(call, keptCount(mask)) : call;
  for (let r = 0; r < c.n; r++) {
    if (mask && mask[r] === 0) continue;
    const error = badInRow(c, r);
    if (error) throw error;
  }
  const out = c.reduction === 'none' ? (c.out ?? new Float64Array(c.n)) : undefined;
  const sum = new Sum();
  let inf = 0;
  // e_c of a row, kept apart so that a gradient written over the logits is written after they are read
  const e = new Float64Array(c.classes);
  const scratch = c.distill ? new RowScratch(c.classes) : undefined;
  for (let r = 0; r < c.n; r++) {
    if (mask && mask[r] === 0) {
      // not read: 0 in 'none' and in the gradient, nothing added
      if (out) out[r] = 0;
      c.grad?.fill(0, r * c.classes, (r + 1) * c.classes);
      continue;
    }
    const w = c.weight ? c.weight[r] : 1;
    let l: number;
    if (!scratch) l = row(c, r, w * c.gscale, e);
    else if (w !== 0) l = distillRow(c, r, w * c.gscale, scratch);
    else {
      // A zero weight removes the row: loss and gradient 0, even where they would be infinite.
      l = 0;
      c.grad?.fill(0, r * c.classes, (r + 1) * c.classes);
    }
    // A zero weight removes the row, even an infinite loss.
    const v = w === 0 ? 0 : w * l;
    if (out) out[r] = v;
    sum.add(v);
    if (Math.abs(v) === Infinity) inf |= v > 0 ? POS_INF : NEG_INF;
  }
  return reduce(c, sum, out, inf);
}

export const softmax = {
  run,
  softmaxCrossEntropy: ((z: unknown, t: unknown, classes: unknown, o: unknown) =>
    isIndexArray(t)
      ? labelRun(labelCall(z, t, classes, o))
      : run(multiCall('softmaxCrossEntropy', z, t, classes, o))) as SoftmaxLoss,
  entropy: ((t: unknown, classes: unknown, o: unknown) =>
    run(multiCall('entropy', undefined, t, classes, o))) as Entropy,
};
