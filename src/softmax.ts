// softmaxCrossEntropy (CE or KL) and entropy: validate, stream whole rows through the arena, reduce.
// Rows longer than MAX_SLOT (2^20 classes) go to the reference, which needs no arena.
import { MAX_SLOT } from './arena.js';
import type { Wasm } from './kernel.js';
import { softmax as referenceSoftmax } from './reference/softmax.js';
import { reduce, Sum } from './sum.js';
import type { Entropy, SoftmaxFamily, SoftmaxLoss, SoftmaxOptions } from './types.js';
import { type MultiCall, type MultiFn, multiCall, multiError } from './validate.js';

// Slots: logits, targets, row weight, class weight, row losses, gradient (and e_c between sweeps).
const Z = 0;
const T = 1;
const RW = 2;
const CW = 3;
const OUT = 4;
const G = 5;

function run(w: Wasm, c: MultiCall): number | Float64Array {
  const { arena, ex } = w;
  const C = c.classes;
  const rowsPer = Math.max(1, Math.floor(arena.chunk / C));
  arena.fit(rowsPer * C);
  const p = [Z, T, RW, CW, OUT, G].map((k) => arena.ptr(k));
  const heap = arena.heap();
  const at = (k: number) => p[k] / 8;
  if (c.classWeight) heap.set(c.classWeight, at(CW));
  else heap.fill(1, at(CW), at(CW) + C);
  // assembly/softmax.ts's flags: gradient, KL, targets used as they are
  const flags = (c.grad ? 1 : 0) | (c.kl ? 2 : 0) | (!c.classWeight && c.add === 0 ? 4 : 0);
  const out = c.reduction === 'none' ? new Float64Array(c.n) : undefined;
  const sum = new Sum();
  let inf = 0;
  const r = w.res / 8;
  for (let row = 0; row < c.n; row += rowsPer) {
    const rows = Math.min(rowsPer, c.n - row);
    const start = row * C;
    const len = rows * C;
    if (c.logits) heap.set(c.logits.subarray(start, start + len), at(Z));
    heap.set(c.targets.subarray(start, start + len), at(T));
    if (c.weight) heap.set(c.weight.subarray(row, row + rows), at(RW));
    const pw = c.weight ? p[RW] : 0;
    const po = out ? p[OUT] : 0;
    const bad = c.logits
      ? ex.softmax(p[Z], p[T], p[CW], pw, po, p[G], rows, C, c.keep, c.add, c.gscale, flags)
      : ex.entropy(p[T], p[CW], pw, po, rows, C, c.keep, c.add);
    if (bad >= 0) {
      const arg = heap[r + 2];
      throw multiError(c, arg, (arg === 3 ? row : start) + bad);
    }
    sum.add(heap[r]);
    sum.add(heap[r + 1]);
    inf |= heap[r + 3];
    if (out) out.set(heap.subarray(at(OUT), at(OUT) + rows), row);
    if (c.grad) c.grad.set(heap.subarray(at(G), at(G) + len), start);
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
