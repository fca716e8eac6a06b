// softmaxCrossEntropy with class indices (assembly/distill.ts's softmaxIndex): validate, stream whole
// rows and their labels (as int32) through the arena, reduce with PyTorch's 'mean' denominator.
// Rows longer than MAX_SLOT go to the reference.
import { MASK, MAX_SLOT } from './arena.js';
import { labelRun as referenceRun } from './reference/labels.js';
import { reduce, type Sum } from './sum.js';
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

export function labelRun(w: Wasm, call: LabelCall, sum: Sum): number | FloatArray {
  if (call.classes > MAX_SLOT) return referenceRun(call);
  const { arena, ex } = w;
  const C = call.classes;
  const rowsPer = Math.max(1, Math.floor(arena.chunk / C));
  const need = Math.max(rowsPer * C, C);
  let c = call;
  if (!arena.fits(need)) {
    // Widening the slots may grow the memory, which detaches views of it: rebuild the caller's.
    const { logits, weight, classWeight, grad, out } = call;
    const kept = arena.fitKeeping(need, [logits, undefined, weight, classWeight, grad, out] as const, call.kernel);
    if (!kept) throw new Error('softxent: unreachable: rows wider than MAX_SLOT reach labelRun()');
    c = { ...call, logits: kept[0] as FloatArray, weight: kept[2], classWeight: kept[3], grad: kept[4], out: kept[5] };
  }
  const { logits, labels, weight, grad, mask, kernel: k } = c;
  const pcw = arena.ptr(CW);
  if (c.classWeight) arena.heap().set(c.classWeight, pcw / 8);
  else arena.heap().fill(1, pcw / 8, pcw / 8 + C);
  const flags = (grad ? 1 : 0) | (c.noIgnore ? 2 : 0) | (c.classWeight ? 4 : 0);
  let den = 1;
  if (c.reduction === 'mean') {
    // PyTorch's denominator, needed by the gradient before the pass: a pass over labels and mask
    den = 0;
    for (let row = 0; row < c.n; row += arena.chunk) {
      const rows = Math.min(arena.chunk, c.n - row);
      const pm = arena.placeMask(mask, row, rows);
      const py = arena.placeInts(labels, MASK, row, rows, (2 * rows + 7) & ~7);
      den += ex.labelWeight(py, pcw, pm, rows, C, c.ignoreIndex | 0, flags);
    }
  }
  const gscale = 1 / den;
  const out = c.reduction === 'none' ? (c.out ?? new Float64Array(c.n)) : undefined;
  sum.reset();
  let inf = 0;
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
      gscale,
      c.ignoreIndex | 0,
      flags,
    );
    const heap = arena.heap();
    if (bad >= 0) {
      const arg = heap[r + 2];
      if (arg === 1) throw new RangeError(`${c.fn}: logits[${start + bad}] is NaN`);
      if (arg === 2) throw labelError(c, row + bad);
      throw badWeight(c.fn, row + bad, c.weight?.[row + bad]);
    }
    sum.add(heap[r]);
    sum.add(heap[r + 1]);
    inf |= heap[r + 3];
    if (out) arena.collect(out, oO, OUT, row, rows);
    if (grad && !gDirect) arena.collect(grad, oG, G, start, len);
  }
  // 'mean' divides by Σ classWeight[label] over the kept rows
  return reduce({ reduction: c.reduction, n: den }, sum, out, inf);
}
