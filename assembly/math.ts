// The project's libm: scalar and f64x2 twins of log, log1p and exp.
//
// The vector bodies are the scalar bodies with the same operations in the same order (WebAssembly has
// no fused multiply-add), so both builds return the same bits. A vector body handles only "plain"
// inputs; a kernel sends every pair holding a special input (zero, subnormal, negative, infinite, NaN,
// out of the loss's domain) to the scalar twin, which lists and handles the special cases.
//
// Vector constants live in a data table and are read with load64_splat: a v128.const inside a loop
// is rebuilt every iteration by V8 (see NOTES), a load from L1 is one instruction.

// fdlibm e_log.c: ln2 split so that k*LN2_HI is exact for |k| < 2^11.
const LN2_HI: u64 = 0x3fe62e42fee00000; // 6.93147180369123816490e-01
const LN2_LO: u64 = 0x3dea39ef35793c76; // 1.90821492927058770002e-10
// fdlibm e_log.c: minimax for R(z) ~ Lg1*s^2 + ... + Lg7*s^14, |error| < 2^-58.45 on [0, 0.1716]
const LG1: u64 = 0x3fe5555555555593; // 6.666666666666735130e-01
const LG2: u64 = 0x3fd999999997fa04; // 3.999999999940941908e-01
const LG3: u64 = 0x3fd2492494229359; // 2.857142874366239149e-01
const LG4: u64 = 0x3fcc71c51d8e78af; // 2.222219843214978396e-01
const LG5: u64 = 0x3fc7466496cb03de; // 1.818357216161805012e-01
const LG6: u64 = 0x3fc39a09d078c69f; // 1.531383769920937332e-01
const LG7: u64 = 0x3fc2f112df3e5244; // 1.479819860511658591e-01
// fdlibm e_exp.c: 1/ln2 and the minimax for R(r^2), |error| < 2^-59 on [0, 0.1204]
const INVLN2: u64 = 0x3ff71547652b82fe; // 1.44269504088896338700e+00
const P1: u64 = 0x3fc555555555553e; // 1.66666666666666019037e-01
const P2: u64 = 0xbf66c16c16bebd93; // -2.77777777770155933842e-03
const P3: u64 = 0x3f11566aaf25de2c; // 6.61375632143793436117e-05
const P4: u64 = 0xbebbbd41c5d26bf1; // -1.65339022054652515390e-06
const P5: u64 = 0x3e66376972bea4d0; // 4.13813679705723846039e-08
// Clamp of exp's argument: below -746 the result rounds to 0, above 710 it overflows.
const EXP_LO: u64 = 0xc087500000000000; // -746
const EXP_HI: u64 = 0x4086300000000000; // 710
// Within ±708 exp's result is a normal number: one scaling by 2^k is exact.
const EXP_NORMAL: u64 = 0x4086200000000000; // 708
const EXP_NORMAL_NEG: u64 = 0xc086200000000000; // -708
// 2^52 + 2^51: adding it to a float of magnitude < 2^51 leaves the integer in the low mantissa bits.
const SHIFT: u64 = 0x4338000000000000; // 6755399441055744
// 2^52 + 2^51 + 1023: subtracted from SHIFT + (biased exponent) to give the exponent as a float.
const KBIAS: u64 = 0x43380000000003ff; // 6755399441056767
const ONE: u64 = 0x3ff0000000000000; // 1
const TWO: u64 = 0x4000000000000000; // 2
const HALF: u64 = 0x3fe0000000000000; // 0.5
const TWO54: u64 = 0x4350000000000000; // 2^54, scales subnormals into the normal range
const MIN_NORMAL: u64 = 0x0010000000000000; // 2^-1022
const TINY: u64 = 0x3ca0000000000000; // 2^-53: below it log1p(x) rounds to x
// log1p keeps k = 0 (no reduction) for 1+x in [sqrt(2)/2, sqrt(2)): x in (-0.29289, 0.41421)
const L1P_HI: u64 = 0x3fda827a00000000; // 0.41421353816986084
const L1P_LO: u64 = 0xbfd2bec500000000; // -0.29289221763610840
const FIFTY4: u64 = 0x404b000000000000; // 54
const INF: u64 = 0x7ff0000000000000; // +Infinity
// Integer patterns: moves the exponent so that the mantissa lands in [sqrt(2)/2, sqrt(2)).
const SQRT2_SHIFT: u64 = 0x00095f6200000000; // (0x3ff00000 - 0x3fe6a09e) << 32
const SQRT2_HALF: u64 = 0x3fe6a09e00000000; // high word of sqrt(2)/2
const MANT: u64 = 0x000fffffffffffff;
// BCE clamps log(p) at -100, which acts below e^-100 = 3.7e-44: p < 2^-144 takes the scalar path.
const P_MIN: u64 = 0x36f0000000000000; // 2^-144 = 4.48e-44
const NEG100: u64 = 0xc059000000000000; // -100
// expPoly: e^r = 1 + r + r^2 q(r) for |r| <= ln2/2, q of degree 9 interpolated at Chebyshev points
// (scripts/expfit.py: approximation error below 0.17 ulp of e^r; no division, unlike fdlibm's form).
const Q0: u64 = 0x3fe0000000000001; // 0.5000000000000001
const Q1: u64 = 0x3fc5555555555556; // 0.16666666666666669
const Q2: u64 = 0x3fa5555555553d68; // 0.041666666666624164
const Q3: u64 = 0x3f811111111109b5; // 0.008333333333330065
const Q4: u64 = 0x3f56c16c17889fd3; // 0.0013888888917197209
const Q5: u64 = 0x3f2a01a01a7c2f89; // 0.00019841269863040922
const Q6: u64 = 0x3efa019b91463588; // 2.4801521321606647e-05
const Q7: u64 = 0x3ec71de0db2d4e97; // 2.7557268479724004e-06
const Q8: u64 = 0x3e928917ccaf39d3; // 2.7620076242527254e-07
const Q9: u64 = 0x3e5af389f20208c6; // 2.510037611136142e-08

// The vector table: one f64 (or i64) per entry, splatted on load.
const K: usize = memory.data<u64>([
  LN2_HI, LN2_LO, LG1, LG2, LG3, LG4, LG5, LG6, LG7, INVLN2, P1, P2, P3, P4, P5, EXP_NORMAL, EXP_NORMAL_NEG,
  SHIFT, KBIAS, ONE, TWO, HALF, MIN_NORMAL, TINY, L1P_HI, L1P_LO, FIFTY4, INF, SQRT2_SHIFT, SQRT2_HALF,
  MANT, 1023, P_MIN, NEG100, Q0, Q1, Q2, Q3, Q4, Q5, Q6, Q7, Q8, Q9,
]);
// Table indices.
export const kLN2_HI = 0, kLN2_LO = 1, kLG1 = 2, kLG2 = 3, kLG3 = 4, kLG4 = 5, kLG5 = 6, kLG6 = 7,
  kLG7 = 8, kINVLN2 = 9, kP1 = 10, kP2 = 11, kP3 = 12, kP4 = 13, kP5 = 14, kEXP_NORMAL = 15, kEXP_NORMAL_NEG = 16,
  kSHIFT = 17, kKBIAS = 18, kONE = 19, kTWO = 20, kHALF = 21, kMIN_NORMAL = 22, kTINY = 23,
  kL1P_HI = 24, kL1P_LO = 25, kFIFTY4 = 26, kINF = 27, kSQRT2_SHIFT = 28, kSQRT2_HALF = 29, kMANT = 30,
  kBIAS = 31, kP_MIN = 32, kNEG100 = 33, kQ0 = 34, kQ1 = 35, kQ2 = 36, kQ3 = 37, kQ4 = 38, kQ5 = 39,
  kQ6 = 40, kQ7 = 41, kQ8 = 42, kQ9 = 43;

// @ts-ignore: decorator
@inline export function kv(i: i32): v128 {
  return v128.load64_splat(K + (<usize>i << 3));
}

/** Table entry i as a scalar (the scalar twins of code that reads the table with kv). */
// @ts-ignore: decorator
@inline export function ks(i: i32): f64 {
  return load<f64>(K + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function f(bits: u64): f64 {
  return reinterpret<f64>(bits);
}

// ---------------------------------------------------------------------------------------------
// log core, fdlibm e_log.c: with x = 2^k (1+f), 1+f in [sqrt(2)/2, sqrt(2)), s = f/(2+f),
// log(1+f) = f - f^2/2 + s (f^2/2 + R(s^2)); c is log1p's correction for the rounding of 1+x.

// @ts-ignore: decorator
@inline function logCore(fr: f64, dk: f64, c: f64): f64 {
  const hfsq = f(HALF) * fr * fr;
  const s = fr / (f(TWO) + fr);
  const z = s * s;
  const w = z * z;
  const t1 = w * (f(LG2) + w * (f(LG4) + w * f(LG6)));
  const t2 = z * (f(LG1) + w * (f(LG3) + w * (f(LG5) + w * f(LG7))));
  const r = t2 + t1;
  return s * (hfsq + r) + (dk * f(LN2_LO) + c) - hfsq + fr + dk * f(LN2_HI);
}

// @ts-ignore: decorator
@inline function logCoreV(fr: v128, dk: v128, c: v128): v128 {
  const hfsq = f64x2.mul(f64x2.mul(kv(kHALF), fr), fr);
  const s = f64x2.div(fr, f64x2.add(kv(kTWO), fr));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(kv(kLG2), f64x2.mul(w, f64x2.add(kv(kLG4), f64x2.mul(w, kv(kLG6))))));
  const t2 = f64x2.mul(
    z,
    f64x2.add(kv(kLG1), f64x2.mul(w, f64x2.add(kv(kLG3), f64x2.mul(w, f64x2.add(kv(kLG5), f64x2.mul(w, kv(kLG7))))))),
  );
  const r = f64x2.add(t2, t1);
  let y = f64x2.mul(s, f64x2.add(hfsq, r));
  y = f64x2.add(y, f64x2.add(f64x2.mul(dk, kv(kLN2_LO)), c));
  y = f64x2.sub(y, hfsq);
  y = f64x2.add(y, fr);
  return f64x2.add(y, f64x2.mul(dk, kv(kLN2_HI)));
}

// log(x) + c for a normal positive x, times 2^-dk0 (dk0: -54 for a rescaled subnormal): the exponent
// split that puts the mantissa in [sqrt(2)/2, sqrt(2)), then logCore.
// @ts-ignore: decorator
@inline function logReduced(x: f64, dk0: f64, c: f64): f64 {
  const ix = reinterpret<u64>(x) + SQRT2_SHIFT;
  const dk = dk0 + <f64>(<i32>(ix >> 52) - 1023);
  return logCore(reinterpret<f64>((ix & MANT) + SQRT2_HALF) - 1.0, dk, c);
}

// Exponent field (0..2047, as an integer lane) to k = field - 1023 as a float, exactly.
// @ts-ignore: decorator
@inline function expoToF64V(field: v128): v128 {
  return f64x2.sub(i64x2.add(field, kv(kSHIFT)), kv(kKBIAS));
}

// ---------------------------------------------------------------------------------------------
// Two-vector twins. The kernels are latency-bound (division and polynomial chains), and V8 keeps
// the order of independent operations: the same steps on two vectors, interleaved, let the CPU
// overlap the two chains (measured 1.3x for log, 1.4x for bceWithLogits; two sequential one-vector
// bodies measured 6% slower on bceWithLogits). Same operations per lane as the scalar bodies, so the
// same bits. The two results are left in R0 and R1, read with r0() and r1().

// @ts-ignore: decorator (compiled only where used: the scalar build has no v128)
@lazy let R0: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@lazy let R1: v128 = v128.splat<i64>(0);

// @ts-ignore: decorator
@inline export function r0(): v128 {
  return R0;
}

// @ts-ignore: decorator
@inline export function r1(): v128 {
  return R1;
}

/** Leaves a and b as the two results (for callers that compute them another way). */
// @ts-ignore: decorator
@inline export function setR(a: v128, b: v128): void {
  R0 = a;
  R1 = b;
}

/**
 * log(xa) + ca and log(xb) + cb for lanes in [2^-1022, +Infinity); c: log1p's correction. `withC` is a
 * constant: false for a plain log (no addition of zero).
 */
// @ts-ignore: decorator
@inline export function log2V(xa: v128, ca: v128, xb: v128, cb: v128, withC: bool): void {
  const ia = i64x2.add(xa, kv(kSQRT2_SHIFT));
  const ib = i64x2.add(xb, kv(kSQRT2_SHIFT));
  const ka = expoToF64V(i64x2.shr_u(ia, 52));
  const kb = expoToF64V(i64x2.shr_u(ib, 52));
  const fa = f64x2.sub(i64x2.add(v128.and(ia, kv(kMANT)), kv(kSQRT2_HALF)), kv(kONE));
  const fb = f64x2.sub(i64x2.add(v128.and(ib, kv(kMANT)), kv(kSQRT2_HALF)), kv(kONE));
  const sa = f64x2.div(fa, f64x2.add(kv(kTWO), fa));
  const sb = f64x2.div(fb, f64x2.add(kv(kTWO), fb));
  const ha = f64x2.mul(f64x2.mul(kv(kHALF), fa), fa);
  const hb = f64x2.mul(f64x2.mul(kv(kHALF), fb), fb);
  const za = f64x2.mul(sa, sa);
  const zb = f64x2.mul(sb, sb);
  const wa = f64x2.mul(za, za);
  const wb = f64x2.mul(zb, zb);
  let pa = f64x2.add(kv(kLG4), f64x2.mul(wa, kv(kLG6)));
  let pb = f64x2.add(kv(kLG4), f64x2.mul(wb, kv(kLG6)));
  let qa = f64x2.add(kv(kLG5), f64x2.mul(wa, kv(kLG7)));
  let qb = f64x2.add(kv(kLG5), f64x2.mul(wb, kv(kLG7)));
  pa = f64x2.mul(wa, f64x2.add(kv(kLG2), f64x2.mul(wa, pa)));
  pb = f64x2.mul(wb, f64x2.add(kv(kLG2), f64x2.mul(wb, pb)));
  qa = f64x2.add(kv(kLG3), f64x2.mul(wa, qa));
  qb = f64x2.add(kv(kLG3), f64x2.mul(wb, qb));
  qa = f64x2.mul(za, f64x2.add(kv(kLG1), f64x2.mul(wa, qa)));
  qb = f64x2.mul(zb, f64x2.add(kv(kLG1), f64x2.mul(wb, qb)));
  let ya = f64x2.mul(sa, f64x2.add(ha, f64x2.add(qa, pa)));
  let yb = f64x2.mul(sb, f64x2.add(hb, f64x2.add(qb, pb)));
  ya = f64x2.add(ya, withC ? f64x2.add(f64x2.mul(ka, kv(kLN2_LO)), ca) : f64x2.mul(ka, kv(kLN2_LO)));
  yb = f64x2.add(yb, withC ? f64x2.add(f64x2.mul(kb, kv(kLN2_LO)), cb) : f64x2.mul(kb, kv(kLN2_LO)));
  ya = f64x2.add(f64x2.sub(ya, ha), fa);
  yb = f64x2.add(f64x2.sub(yb, hb), fb);
  R0 = f64x2.add(ya, f64x2.mul(ka, kv(kLN2_HI)));
  R1 = f64x2.add(yb, f64x2.mul(kb, kv(kLN2_HI)));
}

/** e^xa and e^xb for lanes with |x| <= 708 (normal results): expS's steps with one exact scaling. */
// @ts-ignore: decorator
@inline export function exp2V(xa: v128, xb: v128): void {
  const ka = f64x2.nearest(f64x2.mul(xa, kv(kINVLN2)));
  const kb = f64x2.nearest(f64x2.mul(xb, kv(kINVLN2)));
  const ha = f64x2.sub(xa, f64x2.mul(ka, kv(kLN2_HI)));
  const hb = f64x2.sub(xb, f64x2.mul(kb, kv(kLN2_HI)));
  const la = f64x2.mul(ka, kv(kLN2_LO));
  const lb = f64x2.mul(kb, kv(kLN2_LO));
  const ra = f64x2.sub(ha, la);
  const rb = f64x2.sub(hb, lb);
  const rra = f64x2.mul(ra, ra);
  const rrb = f64x2.mul(rb, rb);
  let pa = f64x2.add(kv(kP4), f64x2.mul(rra, kv(kP5)));
  let pb = f64x2.add(kv(kP4), f64x2.mul(rrb, kv(kP5)));
  pa = f64x2.add(kv(kP3), f64x2.mul(rra, pa));
  pb = f64x2.add(kv(kP3), f64x2.mul(rrb, pb));
  pa = f64x2.add(kv(kP2), f64x2.mul(rra, pa));
  pb = f64x2.add(kv(kP2), f64x2.mul(rrb, pb));
  pa = f64x2.add(kv(kP1), f64x2.mul(rra, pa));
  pb = f64x2.add(kv(kP1), f64x2.mul(rrb, pb));
  const ca = f64x2.sub(ra, f64x2.mul(rra, pa));
  const cb = f64x2.sub(rb, f64x2.mul(rrb, pb));
  const qa = f64x2.div(f64x2.mul(ra, ca), f64x2.sub(kv(kTWO), ca));
  const qb = f64x2.div(f64x2.mul(rb, cb), f64x2.sub(kv(kTWO), cb));
  const ya = f64x2.add(kv(kONE), f64x2.add(f64x2.sub(qa, la), ha));
  const yb = f64x2.add(kv(kONE), f64x2.add(f64x2.sub(qb, lb), hb));
  R0 = f64x2.mul(ya, i64x2.shl(i64x2.add(f64x2.add(ka, kv(kSHIFT)), kv(kBIAS)), 52));
  R1 = f64x2.mul(yb, i64x2.shl(i64x2.add(f64x2.add(kb, kv(kSHIFT)), kv(kBIAS)), 52));
}

/**
 * Natural logarithm, fdlibm e_log.c (< 1 ulp).
 * Special cases: log(±0) = -Infinity; log(x < 0) = NaN; log(+Infinity) = +Infinity; log(NaN) = NaN;
 * subnormals are scaled by 2^54 first.
 */
export function logS(x: f64): f64 {
  const ix = reinterpret<u64>(x);
  let dk: f64 = 0;
  if (ix < MIN_NORMAL || ix >> 63 != 0) {
    if (ix << 1 == 0) return -Infinity;
    if (ix >> 63 != 0) return (x - x) / 0.0;
    dk = -54;
    x *= f(TWO54);
  } else if (ix >= INF) {
    return x;
  }
  return logReduced(x, dk, 0);
}

/** Lanes that log2V handles: 2^-1022 <= x < +Infinity (false for NaN). */
// @ts-ignore: decorator
@inline export function logPlainV(x: v128): v128 {
  return v128.and(f64x2.ge(x, kv(kMIN_NORMAL)), f64x2.lt(x, kv(kINF)));
}

/**
 * log(1+x), fdlibm s_log1p.c as in musl (< 1 ulp): for 1+x outside [sqrt(2)/2, sqrt(2)) reduce
 * u = 1+x and add the correction c = (1+x-u)/u for the rounding of u.
 * Special cases: log1p(-1) = -Infinity; log1p(x < -1) = NaN; |x| < 2^-53 (including ±0) gives x;
 * log1p(+Infinity) = +Infinity; log1p(NaN) = NaN.
 */
export function log1pS(x: f64): f64 {
  const ix = reinterpret<u64>(x);
  if (!(x > -1.0)) return x == -1.0 ? -Infinity : (x - x) / 0.0;
  if (ix >= INF && ix >> 63 == 0) return x;
  if (Math.abs(x) < f(TINY)) return x;
  if (x < f(L1P_HI) && x > f(L1P_LO)) return logCore(x, 0, 0);
  const u = 1.0 + x;
  let iu = reinterpret<u64>(u) + SQRT2_SHIFT;
  const dk = <f64>(<i32>(iu >> 52) - 1023);
  let c: f64 = 0;
  if (dk < f(FIFTY4)) c = (dk >= 2.0 ? 1.0 - (u - x) : x - (u - 1.0)) / u;
  iu = (iu & MANT) + SQRT2_HALF;
  return logCore(reinterpret<f64>(iu) - 1.0, dk, c);
}

/** log1p for lanes with -1 < x < +Infinity; the caller routes other lanes to log1pS. */
// @ts-ignore: decorator
@inline export function log1pV(x: v128): v128 {
  const one = kv(kONE);
  const u = f64x2.add(one, x);
  const iu = i64x2.add(u, kv(kSQRT2_SHIFT));
  let dk = expoToF64V(i64x2.shr_u(iu, 52));
  let c = f64x2.div(
    v128.bitselect(
      f64x2.sub(one, f64x2.sub(u, x)),
      f64x2.sub(x, f64x2.sub(u, one)),
      f64x2.ge(dk, kv(kTWO)),
    ),
    u,
  );
  c = v128.and(c, f64x2.lt(dk, kv(kFIFTY4)));
  let fr = f64x2.sub(i64x2.add(v128.and(iu, kv(kMANT)), kv(kSQRT2_HALF)), one);
  // No reduction for x in (-0.29289, 0.41421).
  const near = v128.and(f64x2.lt(x, kv(kL1P_HI)), f64x2.gt(x, kv(kL1P_LO)));
  fr = v128.bitselect(x, fr, near);
  dk = v128.andnot(dk, near);
  c = v128.andnot(c, near);
  const y = logCoreV(fr, dk, c);
  return v128.bitselect(x, y, f64x2.lt(f64x2.abs(x), kv(kTINY)));
}

/** Lanes that log1pV handles: -1 < x < +Infinity (false for NaN). */
// @ts-ignore: decorator
@inline export function log1pPlainV(x: v128): v128 {
  return v128.and(f64x2.gt(x, f64x2.neg(kv(kONE))), f64x2.lt(x, kv(kINF)));
}

/** log(x) + c for a normal, positive, finite x and a small correction c (logCore's c). */
export function logPlusS(x: f64, c: f64): f64 {
  return logReduced(x, 0, c);
}

/**
 * log1p(x) from u = 1+x rounded and its exact rounding error cnum = x - (u-1): log(u) + cnum/u, musl's
 * reduction without log1pS's branches. For the losses, where x is in [-1, 1] and cnum is exact
 * (Sterbenz: u-1 is exact for u in [1/2, 2]). Special case: u = 0 (x = -1) gives -Infinity.
 */
export function log1pFromS(u: f64, cnum: f64): f64 {
  if (u == 0) return -Infinity;
  return logReduced(u, 0, cnum / u);
}

// ---------------------------------------------------------------------------------------------
// exp, fdlibm e_exp.c (< 1 ulp): x = k ln2 + r, |r| <= ln2/2, exp(r) = 1 + r + r c/(2 - c) with
// c = r - r^2 R(r^2); the result is scaled by 2^k in two steps so that subnormal results round once
// (for normal results the two steps are exact, so exp2V's single step gives the same bits).

// @ts-ignore: decorator
@inline function expCore(x: f64): f64 {
  x = min(max(x, f(EXP_LO)), f(EXP_HI));
  const dk = nearest<f64>(x * f(INVLN2));
  const hi = x - dk * f(LN2_HI);
  const lo = dk * f(LN2_LO);
  const r = hi - lo;
  const rr = r * r;
  const c = r - rr * (f(P1) + rr * (f(P2) + rr * (f(P3) + rr * (f(P4) + rr * f(P5)))));
  const y = f(ONE) + ((r * c) / (f(TWO) - c) - lo + hi);
  const dk1 = floor(dk * f(HALF));
  const dk2 = dk - dk1;
  const s1 = reinterpret<f64>((reinterpret<u64>(dk1 + f(SHIFT)) + 1023) << 52);
  const s2 = reinterpret<f64>((reinterpret<u64>(dk2 + f(SHIFT)) + 1023) << 52);
  return y * s1 * s2;
}

/**
 * e^x. Special cases: exp(NaN) = NaN; exp(+Infinity) = +Infinity; exp(-Infinity) = 0;
 * x > 709.78 overflows to +Infinity; x < -745.14 underflows to 0.
 */
export function expS(x: f64): f64 {
  if (isNaN(x)) return x;
  return expCore(x);
}

// ---------------------------------------------------------------------------------------------
// expPoly: e^x for |x| <= 708 without a division (shorter latency than fdlibm's form, <= 1 ulp):
// x = k ln2 + r as in expCore, e^r = 1 + (r + r^2 q(r)) with q of degree 9 by Estrin's scheme, then
// one exact scaling by 2^k. Used by the softmax kernels, whose exponents are <= 0.

// @ts-ignore: decorator
@inline function estrinQ(r: f64, r2: f64): f64 {
  const p0 = ks(kQ0) + r * ks(kQ1);
  const p1 = ks(kQ2) + r * ks(kQ3);
  const p2 = ks(kQ4) + r * ks(kQ5);
  const p3 = ks(kQ6) + r * ks(kQ7);
  const p4 = ks(kQ8) + r * ks(kQ9);
  const r4 = r2 * r2;
  return p0 + r2 * p1 + r4 * (p2 + r2 * p3 + r4 * p4);
}

/** e^x for |x| <= 708 (the caller routes other x to expS). */
export function expPolyS(x: f64): f64 {
  const dk = nearest<f64>(x * f(INVLN2));
  const r = x - dk * f(LN2_HI) - dk * f(LN2_LO);
  const r2 = r * r;
  const y = f(ONE) + (r + r2 * estrinQ(r, r2));
  return y * reinterpret<f64>((reinterpret<u64>(dk + f(SHIFT)) + 1023) << 52);
}

// @ts-ignore: decorator
@inline function estrinQV(r: v128, r2: v128): v128 {
  const p0 = f64x2.add(kv(kQ0), f64x2.mul(r, kv(kQ1)));
  const p1 = f64x2.add(kv(kQ2), f64x2.mul(r, kv(kQ3)));
  const p2 = f64x2.add(kv(kQ4), f64x2.mul(r, kv(kQ5)));
  const p3 = f64x2.add(kv(kQ6), f64x2.mul(r, kv(kQ7)));
  const p4 = f64x2.add(kv(kQ8), f64x2.mul(r, kv(kQ9)));
  const r4 = f64x2.mul(r2, r2);
  return f64x2.add(f64x2.add(p0, f64x2.mul(r2, p1)), f64x2.mul(r4, f64x2.add(f64x2.add(p2, f64x2.mul(r2, p3)), f64x2.mul(r4, p4))));
}

// @ts-ignore: decorator
@inline function expPolyV(x: v128): v128 {
  const dk = f64x2.nearest(f64x2.mul(x, kv(kINVLN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(dk, kv(kLN2_HI))), f64x2.mul(dk, kv(kLN2_LO)));
  const r2 = f64x2.mul(r, r);
  const y = f64x2.add(kv(kONE), f64x2.add(r, f64x2.mul(r2, estrinQV(r, r2))));
  return f64x2.mul(y, i64x2.shl(i64x2.add(f64x2.add(dk, kv(kSHIFT)), kv(kBIAS)), 52));
}

/** expPolyS of the lanes of xa and xb (|x| <= 708), results in R0 and R1. */
// @ts-ignore: decorator
@inline export function expPoly2V(xa: v128, xb: v128): void {
  R0 = expPolyV(xa);
  R1 = expPolyV(xb);
}

/** Lanes that exp2V handles: |x| <= 708 (false for NaN). */
// @ts-ignore: decorator
@inline export function expPlainV(x: v128): v128 {
  return v128.and(f64x2.le(x, kv(kEXP_NORMAL)), f64x2.ge(x, kv(kEXP_NORMAL_NEG)));
}

// ---------------------------------------------------------------------------------------------
// The kernels' result area: sum hi, sum lo, the position of a bad argument, flags of infinite losses
// from the scalar path (1: +Infinity, 2: -Infinity).
export const RES: usize = memory.data(32, 16);

/** Reports the first bad element i and its argument position; returns i. */
// @ts-ignore: decorator
@inline export function bad(i: i32, arg: i32): i32 {
  store<f64>(RES, <f64>arg, 16);
  return i;
}

// Flags of a loss kernel's loop: which optional arrays are present (weight, per-sample output, gradient).
export const W = 1;
export const O = 2;
export const G = 4;

// Which of a call's arrays hold float32 (bits, set by each binary-family export from its last
// argument): the prediction (probabilities or logits), the target (or x), the weight, the per-sample
// output, the gradient. A float32 array is read where it is (widened on load, exactly) and written
// rounded once on store, so float32 data takes no separate pass; byte offsets stay the float64 ones
// (o), halved for float32.
export const F_PRED = 1;
export const F_TGT = 2;
export const F_W = 4;
export const F_OUT = 8;
export const F_G = 16;
export let F32: i32 = 0;

// @ts-ignore: decorator
@inline export function ldV(p: usize, o: usize, f32: bool): v128 {
  return f32 ? f64x2.promote_low_f32x4(v128.load64_zero(p + (o >> 1))) : v128.load(p + o);
}

// @ts-ignore: decorator
@inline export function stV(p: usize, o: usize, f32: bool, v: v128): void {
  if (f32) v128.store64_lane(p + (o >> 1), f32x4.demote_f64x2_zero(v), 0);
  else v128.store(p + o, v);
}

// @ts-ignore: decorator
@inline export function ldS(p: usize, o: usize, f32: bool): f64 {
  return f32 ? <f64>load<f32>(p + (o >> 1)) : load<f64>(p + o);
}

// @ts-ignore: decorator
@inline export function stS(p: usize, o: usize, f32: bool, v: f64): void {
  if (f32) store<f32>(p + (o >> 1), <f32>v);
  else store<f64>(p + o, v);
}

/** Sets F32 for the call (exports call it first). */
// @ts-ignore: decorator
@inline export function setF32(mask: i32): void {
  F32 = mask;
}

// Lanes of a pair whose target is in [0, 1], whose weight (if any) is finite and >= 0, and whose
// prediction passes `predOk` (all false for NaN).
// @ts-ignore: decorator
@inline export function lanesV(f: i32, predOk: v128, t: v128, w: v128): v128 {
  const zero = f64x2.splat(0);
  let ok = v128.and(predOk, v128.and(f64x2.ge(t, zero), f64x2.le(t, kv(kONE))));
  if (f & W) ok = v128.and(ok, v128.and(f64x2.ge(w, zero), f64x2.lt(w, kv(kINF))));
  return ok;
}

// Weights, stores and the gradient factor of a pair; returns the weighted loss. With
// `zeroWeightRemoves`, a zero weight gives 0 even against an infinite loss (0 * Infinity).
// @ts-ignore: decorator
@inline export function finishV(f: i32, zeroWeightRemoves: bool, o: usize, loss: v128, g: v128, w: v128, pout: usize, pg: usize, gscale: f64): v128 {
  if (f & W) {
    loss = f64x2.mul(w, loss);
    g = f64x2.mul(w, g);
    if (zeroWeightRemoves) {
      const w0 = f64x2.eq(w, f64x2.splat(0));
      loss = v128.andnot(loss, w0);
      g = v128.andnot(g, w0);
    }
  }
  if (f & O) stV(pout, o, (F32 & F_OUT) != 0, loss);
  if (f & G) stV(pg, o, (F32 & F_G) != 0, f64x2.mul(g, f64x2.splat(gscale)));
  return loss;
}

// ---------------------------------------------------------------------------------------------
// Compensated accumulation (Kahan) shared by every kernel's scalar path; the vector loops keep
// their own per-lane pair and fold it in with sumFold.

let accS: f64 = 0;
let accC: f64 = 0;

export function sumReset(): void {
  accS = 0;
  accC = 0;
  store<f64>(RES, 0, 24);
}

// @ts-ignore: decorator
@inline export function sumAdd(v: f64): void {
  const y = v - accC;
  const t = accS + y;
  accC = t - accS - y;
  accS = t;
}

/** Adds a vector Kahan pair (sums s, compensations c) into the scalar accumulator. */
export function sumFold(s0: f64, s1: f64, c0: f64, c1: f64): void {
  sumAdd(s0);
  sumAdd(s1);
  sumAdd(-c0);
  sumAdd(-c1);
}

/** Writes the accumulated sum as hi, lo (hi + lo is the sum) at ptr. */
export function sumStore(ptr: usize): void {
  store<f64>(ptr, accS);
  store<f64>(ptr, -accC, 8);
}

// ---------------------------------------------------------------------------------------------
// Masks and binary label smoothing, set by each binary-family export for its call: PM, the mask's
// bytes (0 = skip the sample; PM = 0: no mask); t' = t KEEP + ADD when SMOOTH (t is validated first).

export let PM: usize = 0;
export let SMOOTH: bool = false;
export let KEEP: f64 = 1;
export let ADD: f64 = 0;

/** Sets the call's mask and smoothing (exports call it first). */
// @ts-ignore: decorator
@inline export function setMask(pm: usize, keep: f64, add: f64): void {
  PM = pm;
  SMOOTH = keep != 1 || add != 0;
  KEEP = keep;
  ADD = add;
}

/** Whether sample i is masked out. */
// @ts-ignore: decorator
@inline export function masked(i: i32): bool {
  return PM != 0 && load<u8>(PM + <usize>i) == 0;
}

/** Whether any of the four samples from i is masked out: a zero byte in their word. */
// @ts-ignore: decorator
@inline export function masked4(i: i32): bool {
  if (!PM) return false;
  const x = load<u32>(PM + <usize>i);
  return ((x - 0x01010101) & ~x & 0x80808080) != 0;
}

/** A masked-out sample's results: 0 in out and grad (o: its float64 byte offset). */
export function skipElem(pout: usize, pg: usize, o: usize): void {
  if (pout) stS(pout, o, (F32 & F_OUT) != 0, 0);
  if (pg) stS(pg, o, (F32 & F_G) != 0, 0);
}

/** The smoothed target of a valid t. */
// @ts-ignore: decorator
@inline export function smoothS(t: f64): f64 {
  return SMOOTH ? t * KEEP + ADD : t;
}

// @ts-ignore: decorator
@inline export function smoothV(t: v128): v128 {
  return SMOOTH ? f64x2.add(f64x2.mul(t, f64x2.splat(KEEP)), f64x2.splat(ADD)) : t;
}

/** The number of non-zero bytes of a mask: the samples 'mean' counts. */
export function kept(pm: usize, n: i32): i32 {
  let k = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = i8x16.splat(0);
    for (; i + 16 <= n; i += 16) k += 16 - <i32>popcnt(i8x16.bitmask(i8x16.eq(v128.load(pm + <usize>i), zero)));
  }
  for (; i < n; i++) k += load<u8>(pm + <usize>i) != 0 ? 1 : 0;
  return k;
}

// A group of four samples holding a masked-out one runs through the vector path from a scratch copy:
// maskIn copies the kept samples and puts harmless values (`fill`: a prediction, t = 1/2, w = 1) in
// the masked lanes, the group's losses are ANDed with its keep mask (S_KEEP; KEEP_ALL for other groups),
// and maskOut copies the kept results back, 0 for the others. Per sample: the vector path's
// operations, so the same bits as the call on the kept samples.
export const SCRATCH: usize = memory.data(192, 16);
export const S_A: usize = SCRATCH;
export const S_T: usize = SCRATCH + 32;
export const S_W: usize = SCRATCH + 64;
export const S_OUT: usize = SCRATCH + 96;
export const S_G: usize = SCRATCH + 128;
export const S_KEEP: usize = SCRATCH + 160;
export const KEEP_ALL: usize = memory.data<u64>([0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff]);

/** The base that makes ldV(base, o, f32) read scratch s: o is the group's float64 byte offset. */
// @ts-ignore: decorator
@inline export function rebase(s: usize, o: usize, f32: bool): usize {
  return s - (f32 ? o >> 1 : o);
}

/** The masked-out lanes of the group from i (all ones there): samples i, i+1 into r0(), i+2, i+3 into r1(). */
// @ts-ignore: decorator
@inline function maskedLanes(i: i32): void {
  const m = i8x16.eq(v128.load32_zero(PM + <usize>i), i8x16.splat(0));
  const w = i32x4.extend_low_i16x8_s(i16x8.extend_low_i8x16_s(m));
  setR(i64x2.extend_low_i32x4_s(w), i64x2.extend_high_i32x4_s(w));
}

/** Whether every sample of the group from i is masked out. */
// @ts-ignore: decorator
@inline export function masked4All(i: i32): bool {
  return load<u32>(PM + <usize>i) == 0;
}

// The bases that make the group's loads and stores reach the scratch (rebase), set by maskIn.
export let Q_A: usize = 0;
export let Q_T: usize = 0;
export let Q_W: usize = 0;
export let Q_OUT: usize = 0;
export let Q_G: usize = 0;

/** Fills the scratch for the group from i: a, t (and w with pw) in the arrays' formats (F32 bits). */
export function maskIn(i: i32, pa: usize, pt: usize, pw: usize, fill: f64): void {
  maskedLanes(i);
  const m0 = r0();
  const m1 = r1();
  const o = <usize>i << 3;
  const fa = (F32 & F_PRED) != 0, ft = (F32 & F_TGT) != 0, fw = (F32 & F_W) != 0;
  const fv = f64x2.splat(fill);
  const half = f64x2.splat(0.5);
  stV(S_A, 0, fa, v128.bitselect(fv, ldV(pa, o, fa), m0));
  stV(S_A, 16, fa, v128.bitselect(fv, ldV(pa, o + 16, fa), m1));
  stV(S_T, 0, ft, v128.bitselect(half, ldV(pt, o, ft), m0));
  stV(S_T, 16, ft, v128.bitselect(half, ldV(pt, o + 16, ft), m1));
  if (pw) {
    const one = f64x2.splat(1);
    stV(S_W, 0, fw, v128.bitselect(one, ldV(pw, o, fw), m0));
    stV(S_W, 16, fw, v128.bitselect(one, ldV(pw, o + 16, fw), m1));
  }
  v128.store(S_KEEP, v128.not(m0));
  v128.store(S_KEEP, v128.not(m1), 16);
  Q_A = rebase(S_A, o, fa);
  Q_T = rebase(S_T, o, ft);
  Q_W = rebase(S_W, o, fw);
  Q_OUT = rebase(S_OUT, o, (F32 & F_OUT) != 0);
  Q_G = rebase(S_G, o, (F32 & F_G) != 0);
}

/** Copies the group's results from the scratch to pout and pg (0 = absent): 0 where masked out. */
export function maskOut(i: i32, pout: usize, pg: usize): void {
  const k0 = v128.load(S_KEEP);
  const k1 = v128.load(S_KEEP, 16);
  const o = <usize>i << 3;
  if (pout) {
    const f = (F32 & F_OUT) != 0;
    stV(pout, o, f, v128.and(ldV(S_OUT, 0, f), k0));
    stV(pout, o + 16, f, v128.and(ldV(S_OUT, 16, f), k1));
  }
  if (pg) {
    const f = (F32 & F_G) != 0;
    stV(pg, o, f, v128.and(ldV(S_G, 0, f), k0));
    stV(pg, o + 16, f, v128.and(ldV(S_G, 16, f), k1));
  }
}

/** A fully masked-out group: 0 in pout and pg. */
export function maskZero(i: i32, pout: usize, pg: usize): void {
  const o = <usize>i << 3;
  const z = f64x2.splat(0);
  if (pout) {
    stV(pout, o, (F32 & F_OUT) != 0, z);
    stV(pout, o + 16, (F32 & F_OUT) != 0, z);
  }
  if (pg) {
    stV(pg, o, (F32 & F_G) != 0, z);
    stV(pg, o + 16, (F32 & F_G) != 0, z);
  }
}

// ---------------------------------------------------------------------------------------------
// Four Kahan lanes: the sums and compensations of elements i, i+1, i+2, i+3 of each step of four, for
// the kernels whose scalar steps add as their two-vector steps do (bceDistill, sigmoidFocalLoss).

let q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
let c0: f64 = 0, c1: f64 = 0, c2: f64 = 0, c3: f64 = 0;

export function lanes4Reset(): void {
  q0 = 0;
  q1 = 0;
  q2 = 0;
  q3 = 0;
  c0 = 0;
  c1 = 0;
  c2 = 0;
  c3 = 0;
}

/** The lanes from the vector steps' sums (va: lanes 0, 1; vb: 2, 3) and compensations (SIMD build). */
// @ts-ignore: decorator
@inline export function lanes4From(va: v128, vb: v128, ca: v128, cb: v128): void {
  q0 = f64x2.extract_lane(va, 0);
  q1 = f64x2.extract_lane(va, 1);
  q2 = f64x2.extract_lane(vb, 0);
  q3 = f64x2.extract_lane(vb, 1);
  c0 = f64x2.extract_lane(ca, 0);
  c1 = f64x2.extract_lane(ca, 1);
  c2 = f64x2.extract_lane(cb, 0);
  c3 = f64x2.extract_lane(cb, 1);
}

/** Lane j's Kahan step with x. */
export function lanes4Add(j: i32, x: f64): void {
  const s = j == 0 ? q0 : j == 1 ? q1 : j == 2 ? q2 : q3;
  const k = j == 0 ? c0 : j == 1 ? c1 : j == 2 ? c2 : c3;
  const y = x - k;
  const t = s + y;
  const kn = t - s - y;
  if (j == 0) {
    q0 = t;
    c0 = kn;
  } else if (j == 1) {
    q1 = t;
    c1 = kn;
  } else if (j == 2) {
    q2 = t;
    c2 = kn;
  } else {
    q3 = t;
    c3 = kn;
  }
}

/** Adds the lanes, in order, into the scalar accumulator. */
export function lanes4Fold(): void {
  sumFold(q0, q1, c0, c1);
  sumFold(q2, q3, c2, c3);
}

/**
 * A group of four from i that holds a masked-out sample (masked4): 1 when all four are (zeros written:
 * skip it), else 2 after maskIn (read and write through the Q_* bases, losses ANDed with S_KEEP).
 */
export function maskGroup(i: i32, pa: usize, pt: usize, pw: usize, pout: usize, pg: usize, fill: f64): i32 {
  if (masked4All(i)) {
    maskZero(i, pout, pg);
    return 1;
  }
  maskIn(i, pa, pt, pw, fill);
  return 2;
}
