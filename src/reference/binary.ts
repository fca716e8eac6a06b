// The binary losses written for clarity: one element at a time, same formulas as assembly/binary.ts.
import { NEG_INF, POS_INF, reduce, Sum } from '../sum.js';
import type { BceWithLogitsOptions, BinaryLoss, FloatArray, FocalOptions } from '../types.js';
import {
  type BinaryCall,
  type BinaryFn,
  badArgument,
  binaryCall,
  elementError,
  keptCount,
  withDenominator,
} from '../validate.js';

/** Loss and derivative of one element (prediction a, target t), before weighting, into lg[0] and lg[1]. */
export type Element = (c: BinaryCall, a: number, t: number, lg: Float64Array) => void;

// 0 - t max(log p, -100) - (1-t) max(log1p(-p), -100): both terms >= 0, and 0 - ... is never -0;
// a clamped term has derivative 0.
const bceElement: Element = (_c, p, t, lg) => {
  const lp = Math.max(Math.log(p), -100);
  const l1p = Math.max(Math.log1p(-p), -100);
  lg[0] = 0 - t * lp - (1 - t) * l1p;
  lg[1] =
    lp > -100 && l1p > -100 ? (p - t) / (p * (1 - p)) : (lp > -100 ? -t / p : 0) + (l1p > -100 ? (1 - t) / (1 - p) : 0);
};

// pw t softplus(-x) + (1-t) softplus(x); derivative (pw t + 1 - t) sigmoid(x) - pw t.
const logitsElement: Element = (c, x, t, lg) => {
  if (c.targetLogits || c.temperature !== 1) return distillElement(c, x, t, lg);
  const e = Math.exp(-Math.abs(x));
  const l = Math.log1p(e);
  const ca = c.posWeight * t;
  const cb = 1 - t;
  // A zero coefficient contributes 0 even against an infinite softplus (x = ±Infinity).
  lg[0] = (ca === 0 ? 0 : ca * (Math.max(-x, 0) + l)) + (cb === 0 ? 0 : cb * (Math.max(x, 0) + l));
  const sigmoid = (x >= 0 ? 1 : e) / (1 + e);
  lg[1] = (ca + cb) * sigmoid - ca;
};

// Against a teacher's logits s and with a temperature T: T² times the loss of x/T against t = sigmoid(s/T),
// 1 - t = sigmoid(-s/T) (not 1 - t by subtraction); derivative w.r.t. the raw x:
// T ((1-t) sigmoid(x/T) - pw t sigmoid(-x/T)).
function distillElement(c: BinaryCall, z: number, s: number, lg: Float64Array): void {
  const T = c.temperature;
  const x = z / T;
  let tp = s;
  let tn = 1 - s;
  if (c.targetLogits) {
    const y = s / T;
    const E = Math.exp(-Math.abs(y));
    tp = (y >= 0 ? 1 : E) / (1 + E);
    tn = (y >= 0 ? E : 1) / (1 + E);
  }
  const e = Math.exp(-Math.abs(x));
  const l = Math.log1p(e);
  const ca = c.posWeight * tp;
  lg[0] = ((ca === 0 ? 0 : ca * (Math.max(-x, 0) + l)) + (tn === 0 ? 0 : tn * (Math.max(x, 0) + l))) * T * T;
  const sig = (x >= 0 ? 1 : e) / (1 + e);
  const sigNeg = (x >= 0 ? e : 1) / (1 + e);
  lg[1] = (tn * sig - ca * sigNeg) * T;
}

export function loss(fn: BinaryFn, element: Element): BinaryLoss<BceWithLogitsOptions> {
  return ((first: FloatArray, second: FloatArray, options?: BceWithLogitsOptions) => {
    let c = binaryCall(fn, first, second, options);
    const mask = c.mask;
    for (let i = 0; i < c.n; i++) {
      if (mask && mask[i] === 0) continue;
      const arg = badArgument(c, i);
      if (arg) throw elementError(c, arg, i);
    }
    if (mask) c = withDenominator(c, keptCount(mask));
    const smooth = c.keep !== 1 || c.add !== 0;
    const out = c.reduction === 'none' ? (c.out ?? new Float64Array(c.n)) : undefined;
    const sum = new Sum();
    const lg = new Float64Array(2);
    let inf = 0;
    for (let i = 0; i < c.n; i++) {
      if (mask && mask[i] === 0) {
        // not read: 0 in 'none' and in the gradient, nothing added
        if (out) out[i] = 0;
        if (c.grad) c.grad[i] = 0;
        continue;
      }
      const t = c.targets[i];
      element(c, c.pred[i], smooth ? t * c.keep + c.add : t, lg);
      let l = lg[0];
      let g = lg[1];
      if (c.weight) {
        // A zero weight removes the sample, even where its loss is infinite.
        const w = c.weight[i];
        l = w === 0 ? 0 : w * l;
        g = w === 0 ? 0 : w * g;
      }
      if (out) out[i] = l;
      if (c.grad) c.grad[i] = g * c.gscale;
      sum.add(l);
      if (Math.abs(l) === Infinity) inf |= l > 0 ? POS_INF : NEG_INF;
    }
    return reduce(c, sum, out, inf);
  }) as BinaryLoss<BceWithLogitsOptions>;
}

// a_t ce (1 - p_t)^g, 1 - p_t = t sigmoid(-x) + (1-t) sigmoid(x); assembly/focal.ts's formulas.
const focalElement: Element = (c, x, t, lg) => {
  const e = Math.exp(-Math.abs(x));
  const l = Math.log1p(e);
  const sig = (x >= 0 ? 1 : e) / (1 + e);
  const sigN = (x >= 0 ? e : 1) / (1 + e);
  const ce = (t === 0 ? 0 : t * (Math.max(-x, 0) + l)) + (t === 1 ? 0 : (1 - t) * (Math.max(x, 0) + l));
  const u = t * sigN + (1 - t) * sig;
  const g = c.gamma;
  const pw = g === 0 ? 1 : u === 0 ? 0 : u ** g;
  const at = c.alpha < 0 ? 1 : c.alpha * t + (1 - c.alpha) * (1 - t);
  lg[0] = at === 0 ? 0 : at * (ce * pw);
  const ss = sig * sigN;
  const r = ss === 0 || g === 0 ? 0 : g * (1 - 2 * t) * (ce * pw) * (ss / u);
  lg[1] = at * ((sig - t) * pw + r);
};

export const bce = loss('bce', bceElement);
export const sigmoidFocalLoss = loss('sigmoidFocalLoss', focalElement) as BinaryLoss<FocalOptions>;
export const bceWithLogits = loss('bceWithLogits', logitsElement);
