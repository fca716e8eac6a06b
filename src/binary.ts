// bce, bceWithLogits, sigmoidFocalLoss (and the continuous-Bernoulli NLLs, which share their shape):
// validate, prepare ('mean' over a mask, the 'none' output), stream the chunk grid through the arena,
// reduce. The loop has no closure and no per-chunk allocation: at N = 1 a call is the checks, one copy
// in, one export call and one copy out. A pool's workers run the same loop on their share of the grid.
import { F_G, F_OUT, F_PRED, F_TGT, F_W } from './arena.js';
import { reduce, Tally } from './sum.js';
import type { BceWithLogitsOptions, BinaryLoss, FloatArray, FocalOptions, Softxent } from './types.js';
import {
  type BinaryCall,
  type BinaryFn,
  binaryCall,
  elementError,
  K0,
  K1,
  K2,
  K3,
  K4,
  withDenominator,
} from './validate.js';
import type { Wasm } from './wasm.js';

// Slots: prediction, target, weight, per-sample losses, gradient.
const [P, T, W, OUT, G] = [0, 1, 2, 3, 4];

/** The samples a mask keeps (its non-zero bytes), counted in the module chunk by chunk. */
export function keptOf(w: Wasm, mask: Uint8Array): number {
  const { arena, ex } = w;
  let kept = 0;
  for (let start = 0; start < mask.length; start += arena.chunk) {
    const len = Math.min(arena.chunk, mask.length - start);
    kept += ex.kept(arena.placeMask(mask, start, len), len);
  }
  return kept;
}

/**
 * The call as a kernel runs it: 'mean' over a mask divides by the kept samples (the gradient needs
 * 1/count before the pass), and 'none' has its output array.
 */
export function binaryPrepare(w: Wasm, call: BinaryCall): BinaryCall {
  let c = call;
  const { n, mask } = c;
  if (mask && c.reduction === 'mean') c = withDenominator(c, keptOf(w, mask));
  // the call object is this call's own (made by validation): filled in, not copied (~70 ns at N = 1)
  if (c.reduction === 'none' && !c.out) (c as { out?: FloatArray }).out = new Float64Array(n);
  return c;
}

/** A binary loss's export (the kernel's wrapper resolves it once: a keyed lookup per call costs). */
type BinaryExport = (...args: number[]) => number;

/**
 * Runs a prepared call's chunk grid into `t`; returns -1, or the index of the first bad element (its
 * argument code in `t.arg`), where the loop stopped.
 */
export function binaryLoop(w: Wasm, c: BinaryCall, t: Tally, kernel = w.ex[c.fn] as BinaryExport): number {
  const { arena, ex } = w;
  const r = w.res / 8;
  const fn = c.fn;
  const bce = fn === 'bce' || fn === 'bceWithLogits';
  const { n, pred, targets, weight, grad, mask, out, kernel: k } = c;
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
  for (let start = 0; start < n; start += arena.chunk) {
    const len = Math.min(arena.chunk, n - start);
    const pp = arena.place(pred, oP, P, start, len, true);
    const pt = arena.place(targets, oT, T, start, len, true);
    const pw = arena.place(weight, oW, W, start, len, true);
    const po = arena.out(out, false, OUT, start);
    const pg = arena.out(grad, gDirect, G, start);
    const pm = arena.placeMask(mask, start, len);
    const bad =
      fn === 'sigmoidFocalLoss'
        ? kernel(pp, pt, pw, po, pg, len, c.gscale, f32, pm, c.gamma, c.alpha)
        : !bce
          ? kernel(pt, pp, pw, po, pg, len, c.gscale, f32, pm)
          : c.targetLogits || c.temperature !== 1
            ? ex.bceDistill(
                pp,
                pt,
                pw,
                po,
                pg,
                len,
                c.gscale,
                f32,
                c.posWeight,
                c.temperature,
                c.targetLogits ? 1 : 0,
                pm,
              )
            : fn === 'bce'
              ? kernel(pp, pt, pw, po, pg, len, c.gscale, f32, pm, c.keep, c.add)
              : kernel(pp, pt, pw, po, pg, len, c.gscale, f32, c.posWeight, pm, c.keep, c.add);
    const h = arena.heap();
    if (bad >= 0) {
      t.arg = h[r + 2];
      return start + bad;
    }
    t.add(h[r], h[r + 1], h[r + 3]);
    if (out) arena.collect(out, oO, OUT, start, len, true);
    if (grad && !gDirect) arena.collect(grad, oG, G, start, len, true);
  }
  return -1;
}

/** A binary loss of the WebAssembly kernel. */
export function binaryLoss(w: Wasm, fn: BinaryFn): BinaryLoss<BceWithLogitsOptions> {
  const t = new Tally();
  const kernel = w.ex[fn] as BinaryExport;
  return ((first: FloatArray, second: FloatArray, options?: BceWithLogitsOptions) => {
    const c = binaryPrepare(w, binaryCall(fn, first, second, options));
    t.reset();
    const at = binaryLoop(w, c, t, kernel);
    if (at >= 0) throw elementError(c, t.arg, at);
    return reduce(c, t.sum, c.out, t.inf);
  }) as BinaryLoss<BceWithLogitsOptions>;
}

export function binaryFamily(w: Wasm): Pick<Softxent, 'bce' | 'bceWithLogits' | 'sigmoidFocalLoss'> {
  return {
    bce: binaryLoss(w, 'bce'),
    bceWithLogits: binaryLoss(w, 'bceWithLogits'),
    sigmoidFocalLoss: binaryLoss(w, 'sigmoidFocalLoss') as BinaryLoss<FocalOptions>,
  };
}
