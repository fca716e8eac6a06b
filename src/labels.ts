// softmaxCrossEntropy with class indices (assembly/distill.ts's softmaxIndex): validate, stream whole
// rows and their labels (as int32) through the arena, reduce with PyTorch's 'mean' denominator.
// Rows longer than MAX_SLOT go to the reference.
import { MASK, MAX_SLOT, rowGrid } from './arena.js';
import { labelRun as referenceRun } from './reference/labels.js';
import { reduce, type Tally } from './sum.js';
import type { FloatArray } from './types.js';
import { badWeight, K0, K2, K4, K5, type LabelCall, labelError } from './validate.js';
import type { Wasm } from './wasm.js';

// Slots: logits, one-hot targets (short rows), row weight, class weight, row losses, gradient (and e_c
// between sweeps); the mask slot holds the mask, the kernel's row mask and the labels (int32).
const Z = 0;
const T = 1;
const RW = 2;
const CW = 3;
const OUT = 4;
const G = 5;

/**
 * The call as the kernel runs it: slots wide enough for its rows, PyTorch's 'mean' denominator (Σ
 * classWeight[label] over the kept rows, needed by the gradient before the pass: a pass over labels
 * and mask), and 'none' with its output array.
 */
export function labelPrepare(w: Wasm, call: LabelCall): LabelCall {
  const { arena, ex } = w;
  const C = call.classes;
  const [need] = rowGrid(arena.chunk, C, false);
  let c = call;
  if (!arena.fits(need)) {
    // Widening the slots may grow the memory, which detaches views of it: rebuild the caller's.
    const { logits, weight, classWeight, grad, out } = call;
    const kept = arena.fitKeeping(need, [logits, undefined, weight, classWeight, grad, out] as const, call.kernel);
    if (!kept) throw new Error('softxent: unreachable: rows wider than MAX_SLOT reach the kernel');
    c = { ...call, logits: kept[0] as FloatArray, weight: kept[2], classWeight: kept[3], grad: kept[4], out: kept[5] };
  }
  let den = 1;
  if (c.reduction === 'mean') {
    den = 0;
    const pcw = classWeights(w, c);
    const flags = labelFlags(c);
    for (let row = 0; row < c.n; row += arena.chunk) {
      const rows = Math.min(arena.chunk, c.n - row);
      const pm = arena.placeMask(c.mask, row, rows);
      const py = arena.placeInts(c.labels, MASK, row, rows, (2 * rows + 7) & ~7);
      den += ex.labelWeight(py, pcw, pm, rows, C, c.ignoreIndex | 0, flags);
    }
  }
  const out = c.reduction === 'none' ? (c.out ?? new Float64Array(c.n)) : undefined;
  // the call object is this call's own (made by validation): filled in, not copied
  Object.assign(c, { out, den, gscale: 1 / den });
  return c;
}

/** Byte address of the class weights (all 1 without classWeight), placed in their slot. */
function classWeights(w: Wasm, c: LabelCall): number {
  const pcw = w.arena.ptr(CW);
  if (c.classWeight) w.arena.heap().set(c.classWeight, pcw / 8);
  else w.arena.heap().fill(1, pcw / 8, pcw / 8 + c.classes);
  return pcw;
}

const labelFlags = (c: LabelCall) => (c.grad ? 1 : 0) | (c.noIgnore ? 2 : 0) | (c.classWeight ? 4 : 0);

/**
 * Runs a prepared call's grid of whole rows into `t`; returns -1, or the index of the first bad element
 * (a logit; a row for a bad label or weight; its code in `t.arg`: 1 logits, 2 label, 3 weight).
 */
export function labelLoop(w: Wasm, c: LabelCall, t: Tally): number {
  const { arena, ex } = w;
  const C = c.classes;
  // the slots hold its rows: fitted by labelPrepare, or by a pool's worker before its views
  const rowsPer = rowGrid(arena.chunk, C, false)[1];
  const { logits, labels, weight, grad, mask, out, kernel: k } = c;
  const pcw = classWeights(w, c);
  const flags = labelFlags(c);
  const r = w.res / 8;
  const oZ = arena.own(logits, k & K0);
  const oW = arena.own(weight, k & K2);
  const oG = arena.own(grad, k & K4);
  const oO = arena.own(out, k & K5);
  const gDirect = arena.directOut(grad, oG, false, oZ && logits, oW && weight);
  for (let row = 0; row < c.n; row += rowsPer) {
    const rows = Math.min(rowsPer, c.n - row);
    const start = row * C;
    const len = rows * C;
    const pz = arena.place(logits, oZ, Z, start, len);
    // labels after the mask and the kernel's row mask: 2 rows bytes, rounded up to 8
    const py = arena.placeInts(labels, MASK, row, rows, (2 * rows + 7) & ~7);
    const pw = arena.place(weight, oW, RW, row, rows);
    const pm = arena.placeMask(mask, row, rows);
    const po = arena.out(out, false, OUT, row);
    const pg = gDirect ? (grad as FloatArray).byteOffset + start * 8 : arena.ptr(G);
    const bad = ex.softmaxIndex(
      pz,
      py,
      arena.ptr(T),
      pcw,
      pw,
      pm,
      arena.ptr(MASK) + rows,
      po,
      pg,
      rows,
      C,
      c.keep,
      c.add,
      c.sumW,
      c.gscale,
      c.ignoreIndex | 0,
      flags,
    );
    const heap = arena.heap();
    if (bad >= 0) {
      t.arg = heap[r + 2];
      return (t.arg === 1 ? start : row) + bad;
    }
    t.add(heap[r], heap[r + 1], heap[r + 3]);
    if (out) arena.collect(out, oO, OUT, row, rows);
    if (grad && !gDirect) arena.collect(grad, oG, G, start, len);
  }
  return -1;
}

/** The error for a class-index call's bad element `at` (`arg`: labelLoop's code). */
export function labelBad(c: LabelCall, arg: number, at: number): RangeError {
  if (arg === 1) return new RangeError(`${c.fn}: logits[${at}] is NaN`);
  if (arg === 2) return labelError(c, at);
  return badWeight(c.fn, at, c.weight?.[at]);
}

export function labelRun(w: Wasm, call: LabelCall, t: Tally): number | FloatArray {
  if (call.classes > MAX_SLOT) return referenceRun(call);
  const c = labelPrepare(w, call);
  t.reset();
  const at = labelLoop(w, c, t);
  if (at >= 0) throw labelBad(c, t.arg, at);
  // 'mean' divides by Σ classWeight[label] over the kept rows
  return reduce({ reduction: c.reduction, n: c.den }, t.sum, c.out, t.inf);
}
