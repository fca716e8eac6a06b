// bce and bceWithLogits: validate, stream through the arena, reduce.
import type { Wasm } from './kernel.js';
import { reduce, Sum } from './sum.js';
import type { BceWithLogitsOptions, BinaryLoss, LossOptions } from './types.js';
import { binaryCall, elementError } from './validate.js';

export function binaryFamily(w: Wasm): {
  bce: BinaryLoss<LossOptions>;
  bceWithLogits: BinaryLoss<BceWithLogitsOptions>;
} {
  const loss = (fn: 'bce' | 'bceWithLogits') =>
    ((pred: Float64Array, targets: Float64Array, options?: BceWithLogitsOptions) => {
      const c = binaryCall(fn, pred, targets, options);
      const out = c.reduction === 'none' ? new Float64Array(c.n) : undefined;
      const sum = new Sum();
      const kernel = w.ex[fn];
      w.arena.stream(c.n, [c.pred, c.targets, c.weight], [out, c.grad], (p, len, start) => {
        const bad = kernel(p[0], p[1], p[2], p[3], p[4], len, c.gscale, c.posWeight);
        const h = w.arena.heap();
        const r = w.res / 8;
        if (bad >= 0) throw elementError(c, h[r + 2], start + bad);
        sum.add(h[r]);
        sum.add(h[r + 1]);
        return true;
      });
      return reduce(c, sum, out);
    }) as BinaryLoss<BceWithLogitsOptions>;
  return { bce: loss('bce'), bceWithLogits: loss('bceWithLogits') };
}
