// Batched log and log1p over raw pointers: out[i] = f(x[i]) for i < n. No validation: IEEE results.
// x and out may hold float32 (f32: F_PRED, F_OUT), read and written where they are.
import { F_OUT, F_PRED, ldS, ldV, log1pPlainV, log1pS, log1pV, log2V, logPlainV, logS, r0, r1, stS, stV } from './math';

// `p1` is a constant at each call site: inlining folds the choice away.
// @ts-ignore: decorator
@inline function scalar(x: f64, p1: bool): f64 {
  return p1 ? log1pS(x) : logS(x);
}

// @ts-ignore: decorator
@inline function mapLog(px: usize, pout: usize, n: i32, p1: bool, f32: i32): void {
  const fx = (f32 & F_PRED) != 0;
  const fo = (f32 & F_OUT) != 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // log: two vectors interleaved (log2V), 1.2-1.3x over one; log1p: one vector.
    const step = p1 ? 2 : 4;
    for (; i + step <= n; i += step) {
      const o = <usize>i << 3;
      const x = ldV(px, o, fx);
      if (p1) {
        if (v128.all_true<i64>(log1pPlainV(x))) {
          stV(pout, o, fo, log1pV(x));
          continue;
        }
      } else {
        const x1 = ldV(px, o + 16, fx);
        if (v128.all_true<i64>(v128.and(logPlainV(x), logPlainV(x1)))) {
          const zero = f64x2.splat(0);
          log2V(x, zero, x1, zero, false);
          stV(pout, o, fo, r0());
          stV(pout, o + 16, fo, r1());
          continue;
        }
      }
      // Special lanes: IEEE cases, subnormals. Inputs are read before outputs are written (in place).
      for (let j: usize = 0; j < <usize>step; j += 2) {
        const y0 = scalar(ldS(px, o + (j << 3), fx), p1);
        stS(pout, o + (j << 3) + 8, fo, scalar(ldS(px, o + (j << 3) + 8, fx), p1));
        stS(pout, o + (j << 3), fo, y0);
      }
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    stS(pout, o, fo, scalar(ldS(px, o, fx), p1));
  }
}

export function log(px: usize, pout: usize, n: i32, f32: i32): void {
  mapLog(px, pout, n, false, f32);
}

export function log1p(px: usize, pout: usize, n: i32, f32: i32): void {
  mapLog(px, pout, n, true, f32);
}
