// Batched log and log1p over raw pointers: out[i] = f(x[i]) for i < n. No validation: IEEE results.
import { log1pPlainV, log1pS, log1pV, logPlainV, logS, logV } from './math';

// `p1` is a constant at each call site: inlining folds the choice away.
// @ts-ignore: decorator
@inline function scalar(x: f64, p1: bool): f64 {
  return p1 ? log1pS(x) : logS(x);
}

// @ts-ignore: decorator
@inline function mapLog(px: usize, pout: usize, n: i32, p1: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 1 < n; i += 2) {
      const o = <usize>i << 3;
      const x = v128.load(px + o);
      if (v128.all_true<i64>(p1 ? log1pPlainV(x) : logPlainV(x))) {
        v128.store(pout + o, p1 ? log1pV(x) : logV(x));
      } else {
        const y0 = scalar(f64x2.extract_lane(x, 0), p1);
        store<f64>(pout + o, scalar(f64x2.extract_lane(x, 1), p1), 8);
        store<f64>(pout + o, y0);
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
