// bce, bceWithLogits (and the continuous-Bernoulli NLLs, which share their shape): validate, stream
// through the arena, reduce.
import { reduce, Sum } from './sum.js';
import type { BceWithLogitsOptions, BinaryLoss } from './types.js';
import { type BinaryFn, binaryCall, elementError } from './validate.js';
import type { Wasm } from './wasm.js';

/** A binary loss of the WebAssembly kernel; pointers in the kernel's argument order. */
export function binaryLoss(w: Wasm, fn: BinaryFn): BinaryLoss<BceWithLogitsOptions> {
  return ((first: Float64Array, second: Float64Array, options?: BceWithLogitsOptions) => {
    const c = binaryCall(fn, first, second, options);
    const out = c.reduction === 'none' ? new Float64Array(c.n) : undefined;
    const sum = new Sum();
    let inf = 0;
    const h = () => w.arena.heap();
    const r = w.res / 8;
    w.arena.stream(c.n, [c.pred, c.targets, c.weight], [out, c.grad], (p, len, start) => {
      const bad =
        fn === 'bce' || fn === 'bceWithLogits'
          ? w.ex[fn](p[0], p[1], p[2], p[3], p[4], len, c.gscale, c.posWeight)
          : w.ex[fn](p[1], p[0], p[2], p[3], p[4], len, c.gscale);
      if (bad >= 0) throw elementError(c, h()[r + 2], start + bad);
      sum.add(h()[r]);
      sum.add(h()[r + 1]);
      inf |= h()[r + 3];
      return true;
    });
    return reduce(c, sum, out, inf);
  }) as BinaryLoss<BceWithLogitsOptions>;
}

export function binaryFamily(w: Wasm): { bce: BinaryLoss; bceWithLogits: BinaryLoss<BceWithLogitsOptions> } {
  return { bce: binaryLoss(w, 'bce'), bceWithLogits: binaryLoss(w, 'bceWithLogits') };
}
