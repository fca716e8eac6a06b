// The continuous-Bernoulli family on a WebAssembly kernel: log-normalizer, mean, NLL.
import { binaryLoss } from './binary.js';
import type { CbFamily } from './types.js';
import { meanOptions, outFor, predError } from './validate.js';
import type { Wasm } from './wasm.js';

export function cbFamily(w: Wasm): CbFamily {
  // An elementwise kernel that validates: -1 or the first bad index.
  const map = (
    fn: string,
    name: string,
    logits: boolean,
    x: unknown,
    out: unknown,
    run: (p: readonly number[], len: number) => number,
  ) => {
    const [xs, o] = outFor(fn, x, out, name);
    w.arena.stream(xs.length, [xs], [o], (p, len, start) => {
      const bad = run(p, len);
      if (bad >= 0) throw predError(fn, name, logits, start + bad, xs[start + bad]);
      return true;
    });
    return o;
  };
  return {
    cbLogNorm: (probs, out) => map('cbLogNorm', 'probs', false, probs, out, (p, n) => w.ex.cbLogNorm(p[0], p[1], n)),
    cbLogNormWithLogits: (logits, out) =>
      map('cbLogNormWithLogits', 'logits', true, logits, out, (p, n) => w.ex.cbLogNormWithLogits(p[0], p[1], n)),
    cbMean: (v, options, out) => {
      const logits = meanOptions(options);
      return map('cbMean', logits ? 'logits' : 'probs', logits, v, out, (p, n) =>
        w.ex.cbMean(p[0], p[1], n, logits ? 1 : 0),
      );
    },
    cbNll: binaryLoss(w, 'cbNll'),
    cbNllWithLogits: binaryLoss(w, 'cbNllWithLogits'),
  };
}
