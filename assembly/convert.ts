// float32 arrays in and out: the arena copies a Float32Array's raw bytes (half a float64 array's
// traffic) and the kernels see float64. Exact both ways: promotion is exact, and demotion rounds
// once to nearest even (= Math.fround). No float32 arithmetic. Four elements a step (one f32x4).

// dst[i] = f64(src[i]) for i < n, dst and src float32/float64 arrays that may start at the same
// address (in place: the float32 bytes at the start of a float64 slot). Backwards, each step reading
// its four elements before writing: a write covers float32 elements 2j.. 2j+7, read by then.
export function promote(src: usize, dst: usize, n: i32): void {
  let i = n;
  if (ASC_FEATURE_SIMD) {
    for (; i >= 4; i -= 4) {
      const j = <usize>(i - 4);
      const v = v128.load(src + (j << 2));
      const hi = i8x16.shuffle(v, v, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
      v128.store(dst + (j << 3), f64x2.promote_low_f32x4(v));
      v128.store(dst + (j << 3), f64x2.promote_low_f32x4(hi), 16);
    }
  }
  while (i > 0) {
    i--;
    store<f64>(dst + (<usize>i << 3), <f64>load<f32>(src + (<usize>i << 2)));
  }
}

// dst[i] = f32(src[i]) for i < n, rounded to nearest even; dst may be src (in place): forwards,
// each write lands on bytes already read.
export function demote(src: usize, dst: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const a = f32x4.demote_f64x2_zero(v128.load(src + (<usize>i << 3)));
      const b = f32x4.demote_f64x2_zero(v128.load(src + (<usize>i << 3), 16));
      v128.store(dst + (<usize>i << 2), i8x16.shuffle(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    }
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), <f32>load<f64>(src + (<usize>i << 3)));
}
