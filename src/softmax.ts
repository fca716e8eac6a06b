// softmaxCrossEntropy (CE or KL) and entropy: validate, stream whole rows through the arena, reduce.
// Rows longer than MAX_SLOT (2^20 classes) go to the reference, which needs no arena.
import { MAX_SLOT } from './arena.js';
import { softmax as referenceSoftmax } from './reference/softmax.js';
import { reduce, Sum } from './sum.js';
import type { Entropy, SoftmaxFamily, SoftmaxLoss, SoftmaxOptions } from './types.js';
import { type MultiCall, type MultiFn, multiCall, multiError } from './validate.js';
import type { Wasm } from './wasm.js';

// Slots: logits, targets, row weight, class weight, row losses, gradient (and e_c between sweeps).
const Z = 0;
const T = 1;
const RW = 2;
const CW = 3;
const OUT = 4;
const G = 5;

function run(w: Wasm, call: MultiCall): number | Float64Array {
  const { arena, ex } = w;
  const C = call.classes;
  const rowsPer = Math.max(1, Math.floor(arena.chunk / C));
  // Widening the slots may grow the memory, which detaches views of it: rebuild the caller's.
  const { logits, targets, weight, classWeight, grad } = call;
  const kept = arena.fitKeeping(rowsPer * C, [logits, targets, weight, classWeight, grad] as const);
  if (!kept) throw new Error('softxent: unreachable: rows wider than MAX_SLOT reach run()');
  const c: MultiCall = {
    ...call,
    logits: kept[0],
    targets: kept[1],
    weight: kept[2],
    classWeight: kept[3],
    grad: kept[4],
  };
  const p = [Z, T, RW, CW, OUT, G].map((k) => arena.ptr(k));
  const cw = arena.heap();
  if (c.classWeight) cw.set(c.classWeight, p[CW] / 8);
  else cw.fill(1, p[CW] / 8, p[CW] / 8 + C);
  // assembly/softmax.ts's flags: gradient, KL, targets used as they are
  const flags = (c.grad ? 1 : 0) | (c.kl ? 2 : 0) | (!c.classWeight && c.add === 0 ? 4 : 0);
  const out = c.reduction === 'none' ? new Float64Array(c.n) : undefined;
  const sum = new Sum();
  let inf = 0;
  const r = w.res / 8;
  const gDirect = arena.directOut(c.grad, [c.logits, c.targets, c.weight]);
  for (let row = 0; row < c.n; row += rowsPer) {
    const rows = Math.min(rowsPer, c.n - row);
    const start = row * C;
    const len = rows * C;
    const pz = arena.place(c.logits, Z, start, len);
    const pt = arena.place(c.targets, T, start, len);
    const pw = arena.place(c.weight, RW, row, rows);
    const po = out ? p[OUT] : 0;
    // The gradient slot also holds e_c between sweeps when there is no gradient.
    const pg = gDirect ? (c.grad as Float64Array).byteOffset + start * 8 : p[G];
    const bad = c.logits
      ? ex.softmax(pz, pt, p[CW], pw, po, pg, rows, C, c.keep, c.add, c.gscale, flags)
      : ex.entropy(pt, p[CW], pw, po, rows, C, c.keep, c.add);
    const heap = arena.heap();
    if (bad >= 0) {
      const arg = heap[r + 2];
      throw multiError(c, arg, (arg === 3 ? row : start) + bad);
    }
    sum.add(heap[r]);
    sum.add(heap[r + 1]);
    inf |= heap[r + 3];
    if (out) arena.collect(out, OUT, row, rows);
    if (c.grad && !gDirect) arena.collect(c.grad, G, start, len);
  }
  return reduce(c, sum, out, inf);
}

export function softmaxFamily(w: Wasm): SoftmaxFamily {
  const call = (fn: MultiFn, z: unknown, t: unknown, classes: unknown, o: unknown) => {
    const c = multiCall(fn, z, t, classes, o);
    return c.classes > MAX_SLOT ? referenceSoftmax.run(c) : run(w, c);
  };
  return {
    softmaxCrossEntropy: ((z: Float64Array, t: Float64Array, classes: number, o?: SoftmaxOptions) =>
      call('softmaxCrossEntropy', z, t, classes, o)) as SoftmaxLoss,
    entropy: ((t: Float64Array, classes: number, o?: object) => call('entropy', undefined, t, classes, o)) as Entropy,
  };
}
