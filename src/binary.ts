// bce, bceWithLogits (and the continuous-Bernoulli NLLs, which share their shape): validate, stream
// through the arena, reduce. One loop with no closure and no per-chunk allocation: at N = 1 a call is
// the checks, one copy in, one export call and one copy out.
import { F_G, F_OUT, F_PRED, F_TGT, F_W } from './arena.js';
import { reduce, Sum } from './sum.js';
import type { BceWithLogitsOptions, BinaryLoss, FloatArray, FocalOptions, Softxent } from './types.js';
import { type BinaryFn, binaryCall, elementError, K0, K1, K2, K3, K4, withDenominator } from './validate.js';
import type { Wasm } from './wasm.js';

// Slots: prediction, target, weight, per-sample losses, gradient.
const [P, T, W, OUT, G] = [0, 1, 2, 3, 4];

/** A binary loss of the WebAssembly kernel; pointers in the kernel's argument order. */
export function binaryLoss(w: Wasm, fn: BinaryFn): BinaryLoss<BceWithLogitsOptions> {
  const { arena, ex } = w;
  const r = w.res / 8;
  const sum = new Sum();
  const bce = fn === 'bce' || fn === 'bceWithLogits';
  const focal = fn === 'sigmoidFocalLoss';
  const kernel = ex[fn] as (...args: number[]) => number;
  const distill = ex.bceDistill;
  return ((first: FloatArray, second: FloatArray, options?: BceWithLogitsOptions) => {
    let c = binaryCall(fn, first, second, options);
    const { n, pred, targets, weight, grad, mask, kernel: k } = c;
    if (mask && c.reduction === 'mean') {
      // 'mean' counts the kept samples, and the gradient needs 1/count before the pass
      let kept = 0;
      for (let start = 0; start < n; start += arena.chunk) {
        const len = Math.min(arena.chunk, n - start);
        kept += ex.kept(arena.placeMask(mask, start, len), len);
      }
      c = withDenominator(c, kept);
    }
    const out = c.reduction === 'none' ? (c.out ?? new Float64Array(n)) : undefined;
    // Which arrays live in this kernel's memory: read where they are, not copied.
    const oP = arena.own(pred, k & K0);
    const oT = arena.own(targets, k & K1);
    const oW = arena.own(weight, k & K2);
    const oG = arena.own(grad, k & K3);
    const oO = arena.own(out, k & K4);
    // Float32Arrays stay float32: the kernels widen on load and round on store.
    const f32 =
      (pred instanceof Float32Array ? F_PRED : 0) |
      (targets instanceof Float32Array ? F_TGT : 0) |
      (weight instanceof Float32Array ? F_W : 0) |
      (grad instanceof Float32Array ? F_G : 0) |
      (out instanceof Float32Array ? F_OUT : 0);
    const gDirect = arena.directOut(grad, oG, true, oP && pred, oT && targets, oW && weight);
    sum.reset();
    let inf = 0;
    for (let start = 0; start < n; start += arena.chunk) {
      const len = Math.min(arena.chunk, n - start);
      const pp = arena.place(pred, oP, P, start, len, true);
      const pt = arena.place(targets, oT, T, start, len, true);
      const pw = arena.place(weight, oW, W, start, len, true);
      const po = arena.out(out, false, OUT, start);
      const pg = arena.out(grad, gDirect, G, start);
      const pm = arena.placeMask(mask, start, len);
      const bad = focal
        ? kernel(pp, pt, pw, po, pg, len, c.gscale, f32, pm, c.gamma, c.alpha)
        : !bce
          ? kernel(pt, pp, pw, po, pg, len, c.gscale, f32, pm)
          : c.targetLogits || c.temperature !== 1
            ? distill(pp, pt, pw, po, pg, len, c.gscale, f32, c.posWeight, c.temperature, c.targetLogits ? 1 : 0, pm)
            : fn === 'bce'
              ? kernel(pp, pt, pw, po, pg, len, c.gscale, f32, pm, c.keep, c.add)
              : kernel(pp, pt, pw, po, pg, len, c.gscale, f32, c.posWeight, pm, c.keep, c.add);
      const h = arena.heap();
      if (bad >= 0) throw elementError(c, h[r + 2], start + bad);
      sum.add(h[r]);
      sum.add(h[r + 1]);
      inf |= h[r + 3];
      if (out) arena.collect(out, oO, OUT, start, len, true);
      if (grad && !gDirect) arena.collect(grad, oG, G, start, len, true);
    }
    return reduce(c, sum, out, inf);
  }) as BinaryLoss<BceWithLogitsOptions>;
}

export function binaryFamily(w: Wasm): Pick<Softxent, 'bce' | 'bceWithLogits' | 'sigmoidFocalLoss'> {
  return {
    bce: binaryLoss(w, 'bce'),
    bceWithLogits: binaryLoss(w, 'bceWithLogits'),
    sigmoidFocalLoss: binaryLoss(w, 'sigmoidFocalLoss') as BinaryLoss<FocalOptions>,
  };
}
