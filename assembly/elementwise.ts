// Batched log and log1p over raw pointers: out[i] = f(x[i]) for i < n. No validation: IEEE results.
import { log1pPlainV, log1pS, log1pV, log2V, logPlainV, logS, r0, r1 } from './math';

// `p1` is a constant at each call site: inlining folds the choice away.
// @ts-ignore: decorator
@inline function scalar(x: f64, p1: bool): f64 {
  return p1 ? log1pS(x) : logS(x);
}

// @ts-ignore: decorator
@inline function mapLog(px: usize, pout: usize, n: i32, p1: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // log: two vectors interleaved (log2V), 1.2-1.3x over one; log1p: one vector.
    const step = p1 ? 2 : 4;
    for (; i + step <= n; i += step) {
      const o = <usize>i << 3;
      const x = v128.load(px + o);
      if (p1) {
        if (v128.all_true<i64>(log1pPlainV(x))) {
          v128.store(pout + o, log1pV(x));
          continue;
        }
      } else {
        const x1 = v128.load(px + o, 16);
        if (v128.all_true<i64>(v128.and(logPlainV(x), logPlainV(x1)))) {
          const zero = f64x2.splat(0);
          log2V(x, zero, x1, zero, false);
          v128.store(pout + o, r0());
          v128.store(pout + o, r1(), 16);
          continue;
        }
      }
      // Special lanes: IEEE cases, subnormals. Inputs are read before outputs are written (in place).
      for (let j: usize = 0; j < <usize>step; j += 2) {
        const y0 = scalar(load<f64>(px + o + (j << 3)), p1);
        store<f64>(pout + o + (j << 3), scalar(load<f64>(px + o + (j << 3), 8), p1), 8);
        store<f64>(pout + o + (j << 3), y0);
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    store<f64>(pout + o, scalar(load<f64>(px + o), p1));
  }
}

export function log(px: usize, pout: usize, n: i32): void {
  mapLog(px, pout, n, false);
}

export function log1p(px: usize, pout: usize, n: i32): void {
  mapLog(px, pout, n, true);
}
