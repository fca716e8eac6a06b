// softmaxCrossEntropy (CE, KL, and the distillation forms of assembly/distill.ts) and entropy: validate,
// prepare, stream a grid of whole rows through the arena, reduce (a pool's workers run the same loop).
// Rows longer than MAX_SLOT (2^20 classes; 2^19 for distillation, which needs a row of scratch) go to
// the reference, which needs no arena.
import { MAX_SLOT, rowGrid } from './arena.js';
import { keptOf } from './binary.js';
import { labelRun } from './labels.js';
import { softmax as referenceSoftmax } from './reference/softmax.js';
import { reduce, Tally } from './sum.js';
import type { Entropy, FloatArray, SoftmaxFamily, SoftmaxLoss, SoftmaxOptions } from './types.js';
import {
  isIndexArray,
  K0,
  K1,
  K2,
  K4,
  K5,
  labelCall,
  MODES,
  type MultiCall,
  type MultiFn,
  multiCall,
  multiError,
  withDenominator,
} from './validate.js';
import type { Wasm } from './wasm.js';

// Slots: logits, targets, row weight, class weight, row losses, gradient (and e_c between sweeps).
const Z = 0;
const T = 1;
const RW = 2;
const CW = 3;
const OUT = 4;
const G = 5;

/**
 * The call as the kernel runs it: slots wide enough for its rows, 'mean' over a mask dividing by the
 * kept rows (the gradient needs 1/count before the pass), and 'none' with its output array.
 */
export function softmaxPrepare(w: Wasm, call: MultiCall): MultiCall {
  const { arena } = w;
  const [need] = rowGrid(arena.chunk, call.classes, call.distill);
  let c = call;
  if (!arena.fits(need)) {
    // Widening the slots may grow the memory, which detaches views of it: rebuild the caller's.
    const { logits, targets, weight, classWeight, grad, out } = call;
    const kept = arena.fitKeeping(need, [logits, targets, weight, classWeight, grad, out] as const, call.kernel);
    if (!kept) throw new Error('softxent: unreachable: rows wider than MAX_SLOT reach the kernel');
    c = {
      ...call,
      logits: kept[0],
      targets: kept[1],
      weight: kept[2],
      classWeight: kept[3],
      grad: kept[4],
      out: kept[5],
    };
  }
  if (c.mask && c.reduction === 'mean') c = withDenominator(c, keptOf(w, c.mask));
  // the call object is this call's own (made by validation): filled in, not copied
  if (c.reduction === 'none' && !c.out) (c as { out?: FloatArray }).out = new Float64Array(c.n);
  return c;
}

/**
 * Runs a prepared call's grid of whole rows into `t`; returns -1, or the index of the first bad element
 * (a row for a bad weight; its argument code in `t.arg`), where the loop stopped.
 */
export function softmaxLoop(w: Wasm, c: MultiCall, t: Tally): number {
  const { arena, ex } = w;
  const C = c.classes;
  // the slots hold its rows: fitted by softmaxPrepare, or by a pool's worker before its views
  const rowsPer = rowGrid(arena.chunk, C, c.distill)[1];
  const { logits, targets, weight, grad, out, kernel: k } = c;
  const cw = arena.heap();
  const pcw = arena.ptr(CW);
  if (c.classWeight) cw.set(c.classWeight, pcw / 8);
  else cw.fill(1, pcw / 8, pcw / 8 + C);
  // assembly/softmax.ts's flags: gradient, KL, targets used as they are
  const flags = c.distill
    ? (grad ? 1 : 0) | (c.targetLogits ? 2 : 0) | (c.classWeight ? 4 : 0) | (MODES.indexOf(c.mode) << 3)
    : (grad ? 1 : 0) | (c.mode === 'kl' ? 2 : 0) | (!c.classWeight && c.add === 0 ? 4 : 0);
  const r = w.res / 8;
  const oZ = arena.own(logits, k & K0);
  const oT = arena.own(targets, k & K1);
  const oW = arena.own(weight, k & K2);
  const oG = arena.own(grad, k & K4);
  const oO = arena.own(out, k & K5);
  const gDirect = arena.directOut(grad, oG, false, oZ && logits, oT && targets, oW && weight);
  for (let row = 0; row < c.n; row += rowsPer) {
    const rows = Math.min(rowsPer, c.n - row);
    const start = row * C;
    const len = rows * C;
    const pz = arena.place(logits, oZ, Z, start, len);
    const pt = arena.place(targets, oT, T, start, len);
    const pw = arena.place(weight, oW, RW, row, rows);
    const po = arena.out(out, false, OUT, row);
    // The gradient slot also holds e_c between sweeps when there is no gradient.
    const pg = gDirect ? (grad as FloatArray).byteOffset + start * 8 : arena.ptr(G);
    const pm = arena.placeMask(c.mask, row, rows);
    const bad = !logits
      ? ex.entropy(pt, pcw, pw, po, rows, C, c.keep, c.add)
      : c.distill
        ? ex.distill(pz, pt, pcw, pw, pm, po, pg, rows, C, c.keep, c.add, c.gscale, c.temperature, c.beta, flags)
        : ex.softmax(pz, pt, pcw, pw, pm, po, pg, rows, C, c.keep, c.add, c.gscale, flags);
    const heap = arena.heap();
    if (bad >= 0) {
      t.arg = heap[r + 2];
      return (t.arg === 3 ? row : start) + bad;
    }
    t.add(heap[r], heap[r + 1], heap[r + 3]);
    if (out) arena.collect(out, oO, OUT, row, rows);
    if (grad && !gDirect) arena.collect(grad, oG, G, start, len);
  }
  return -1;
}

/** Whether a multi-class call is too wide for the kernel's slots (the reference runs it). */
export const tooWide = (c: { classes: number; distill?: boolean }): boolean =>
  c.classes > (c.distill ? MAX_SLOT / 2 : MAX_SLOT);

export function softmaxFamily(w: Wasm): SoftmaxFamily {
  const t = new Tally();
  const call = (fn: MultiFn, z: unknown, targets: unknown, classes: unknown, o: unknown) => {
    if (fn === 'softmaxCrossEntropy' && isIndexArray(targets)) {
      return labelRun(w, labelCall(z, targets, classes, o), t);
    }
    const c0 = multiCall(fn, z, targets, classes, o);
    if (tooWide(c0)) return referenceSoftmax.run(c0);
    const c = softmaxPrepare(w, c0);
    t.reset();
    const at = softmaxLoop(w, c, t);
    if (at >= 0) throw multiError(c, t.arg, at);
    return reduce(c, t.sum, c.out, t.inf);
  };
  return {
    softmaxCrossEntropy: ((z: FloatArray, t: FloatArray, classes: number, o?: SoftmaxOptions) =>
      call('softmaxCrossEntropy', z, t, classes, o)) as SoftmaxLoss,
    entropy: ((t: FloatArray, classes: number, o?: object) => call('entropy', undefined, t, classes, o)) as Entropy,
  };
}
