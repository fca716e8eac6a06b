// Multi-class cross-entropy, KL divergence and entropy written for clarity, one row at a time, with
// the formulas of assembly/softmax.ts: m = max z, e_c = exp(z_c - m),
// CE = sum ct_c (m - z_c) + (sum ct_c) log1p(s - 1), ct = classWeight t', every term >= 0.
import { NEG_INF, POS_INF, reduce, Sum } from '../sum.js';
import type { Entropy, SoftmaxLoss } from '../types.js';
import { badInRow, type MultiCall, multiCall, multiError } from '../validate.js';

/** The logits a row's sums see: the limits for a row holding +Infinity or only -Infinity. */
function limits(z: Float64Array): [zs: Float64Array, m: number] {
  const m = z.reduce((a, v) => Math.max(a, v), -Infinity);
  if (m === Infinity) return [z.map((v) => (v === Infinity ? 0 : -Infinity)), 0];
  if (m === -Infinity) return [z.map(() => 0), 0];
  return [z, m];
}

function row(c: MultiCall, r: number, gw: number): number {
  const C = c.classes;
  const t = c.targets.subarray(r * C, (r + 1) * C);
  const ct = Float64Array.from(t, (v, j) => (v * c.keep + c.add) * (c.classWeight ? c.classWeight[j] : 1));
  // sum ct log t', 0 log 0 = 0
  let tlog = 0;
  ct.forEach((v, j) => {
    const tp = t[j] * c.keep + c.add;
    if (tp !== 0) tlog += v * Math.log(tp);
  });
  if (!c.logits) return 0 - tlog;
  const [z, m] = limits(c.logits.subarray(r * C, (r + 1) * C));
  let s0 = 0;
  let a = 0;
  let rest = 0;
  let ties = 0;
  const e = z.map((v) => Math.exp(v - m));
  for (let j = 0; j < C; j++) {
    s0 += ct[j];
    if (ct[j] !== 0) a += ct[j] * (m - z[j]);
    if (z[j] === m) ties++;
    else rest += e[j];
  }
  if (c.grad) {
    const k = s0 / (rest + ties);
    for (let j = 0; j < C; j++) c.grad[r * C + j] = (e[j] * k - ct[j]) * gw;
  }
  return a + s0 * Math.log1p(ties - 1 + rest) + (c.kl ? tlog : 0);
}

function run(c: MultiCall): number | Float64Array {
  for (let r = 0; r < c.n; r++) {
    const [arg, i] = badInRow(c, r);
    if (arg) throw multiError(c, arg, i);
  }
  const out = c.reduction === 'none' ? new Float64Array(c.n) : undefined;
  const sum = new Sum();
  let inf = 0;
  for (let r = 0; r < c.n; r++) {
    const w = c.weight ? c.weight[r] : 1;
    const l = row(c, r, w * c.gscale);
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
    run(multiCall('softmaxCrossEntropy', z, t, classes, o))) as SoftmaxLoss,
  entropy: ((t: unknown, classes: unknown, o: unknown) =>
    run(multiCall('entropy', undefined, t, classes, o))) as Entropy,
};
