// Continuous Bernoulli (Loaiza-Ganem & Cunningham 2019): log-normalizer, mean, NLL and its gradient,
// from probabilities lambda or logits eta = log(lambda / (1 - lambda)).
//
// Everything is a function of a = |eta| and e = exp(-a), with eta < 0 for lambda < 1/2:
//   log C  = log(a / tanh(a/2)) = log a + 2 atanh(e)
//   mu(-a) = 1/a - e/(1 - e),  mu(a) = 1 - mu(-a)                  (the mean, d(-log C + softplus)/d eta)
//   NLL    = x softplus(-eta) + (1-x) softplus(eta) - log C        (= bce(lambda, x) - log C, unclamped)
//   d NLL / d eta = mu(eta) - x,  d NLL / d lambda = (mu(eta) - x) / (lambda (1 - lambda))
// From probabilities, with m = min(lambda, 1 - lambda) exact, u = 1 - m rounded and cu its exact
// rounding error: a = log1p(-m) - log m (log1p(-m) = log u + cu/u), e = m/u, no exp needed.
// (cu/u and m/u as products with 1/u: one division, whose throughput bounds these loops.)
// Near eta = 0 (a < A0) both log C and mu cancel: there they are polynomials in z = a^2
// (scripts/cbfit.py, Chebyshev fits on [0, A0^2], evaluated by Estrin's scheme: the Horner chain's
// latency measured 1.5x slower):
//   log C = ln2 + z P(z),  mu(eta) = 1/2 + eta S(z)                (< 0.9 ulp)
// Above A0, e <= 0.1716 and 2 atanh(e) = e (2 + R(e^2)) with fdlibm's log polynomial R (|error| <
// 2^-58.45 there): no cancellation anywhere.
//
// Kernels take raw pointers and return -1 or the first bad index (argument position at RES + 16:
// 1 = probs/logits, 2 = x, 3 = weight; x is checked first, as it is the first argument).
import {
  bad,
  exp2V,
  finishV,
  G,
  expPlainV,
  expS,
  F_G,
  F_OUT,
  F_PRED,
  F_TGT,
  F_W,
  F32,
  kLG1,
  kLG2,
  kLG3,
  kLG4,
  kLG5,
  kLG6,
  kLG7,
  kLN2_HI,
  kLN2_LO,
  kMIN_NORMAL,
  kONE,
  kTWO,
  kHALF,
  ks,
  kv,
  lanesV,
  ldS,
  ldV,
  log1pFromS,
  logPlusS,
  log2V,
  logS,
  O,
  r0,
  r1,
  RES,
  setF32,
  masked,
  masked4,
  maskGroup,
  maskOut,
  KEEP_ALL,
  Q_A,
  Q_G,
  Q_OUT,
  Q_T,
  Q_W,
  S_KEEP,
  setMask,
  skipElem,
  stS,
  stV,
  sumAdd,
  sumFold,
  sumReset,
  sumStore,
  W,
} from './math';

// z P(z) + ln2 = log C near 0, degree 13 (scripts/cbfit.py).
const P0: u64 = 0x3fb5555555555555; // 0.08333333333333333
const P1: u64 = 0xbf73e93e93e93e22; // -0.004861111111111012
const P2: u64 = 0x3f3664f4882b7c21; // 0.00034171075837535937
const P3: u64 = 0xbefb85fca3c1c731; // -2.6248346543806387e-05
const P4: u64 = 0x3ec1e5e17924d2d8; // 2.133604490551322e-06
const P5: u64 = 0xbe883254c35b0677; // -1.8027876229867674e-07
const P6: u64 = 0x3e50d05b21cf9872; // 1.5659155850384903e-08
const P7: u64 = 0xbe17d878cfe00e7e; // -1.3879962175279049e-09
const P8: u64 = 0x3de124d1135ca235; // 1.2473767303869142e-10
const P9: u64 = 0xbda8af0e310b802b; // -1.1224897342050178e-11
const P10: u64 = 0x3d712ada8e3b4973; // 9.758535607988388e-13
const P11: u64 = 0xbd35296dff24f19c; // -7.518193948568053e-14
const P12: u64 = 0x3cf38f15c0e912ba; // 4.342953926023947e-15
const P13: u64 = 0xbca331ac18046217; // -1.3318535297714678e-16
// eta S(z) + 1/2 = mu near 0, degree 9 (scripts/cbfit.py).
const S0: u64 = 0x3fb5555555555555; // 0.08333333333333333
const S1: u64 = 0xbf56c16c16c16b5b; // -0.0013888888888888482
const S2: u64 = 0x3f01566abc001d48; // 3.306878306835265e-05
const S3: u64 = 0xbeabbd779235e5bb; // -8.267195749499064e-07
const S4: u64 = 0x3e566a8ee941b151; // 2.0876753284804866e-08
const S5: u64 = 0xbe0227fbc8d86e93; // -5.284145496953171e-10
const S6: u64 = 0x3dad6bd868c37889; // 1.3379244998228459e-11
const S7: u64 = 0xbd57bf07e5a6176b; // -3.3745400073795333e-13
const S8: u64 = 0x3d025f18f1a5ac6e; // 8.158573534191925e-15
const S9: u64 = 0xbca55668bf8f8847; // -1.4805889730884743e-16
// The polynomials' range: a < A0, a^2 < 3.125; above it e = exp(-a) < 0.1716 (R's range).
const A0: u64 = 0x3ffc48c6001f0ac0; // 1.7677669529663689 = sqrt(3.125)

const KC: usize = memory.data<u64>([P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, A0]);
const cP = 0;
const cS = 14;
const cA0 = 24;

// @ts-ignore: decorator
@inline function kc(i: i32): v128 {
  return v128.load64_splat(KC + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline function c(i: i32): f64 {
  return load<f64>(KC + (<usize>i << 3));
}

const PROBS = 0;
const LOGITS = 1;
// What a kernel computes.
const LOGC = 0;
const MEAN = 1;
const NLL = 2;

// ---------------------------------------------------------------------------------------------
// Scalar core: log C and mu(-a) from a >= 0 and e = exp(-a). Special case: a = +Infinity gives
// log C = +Infinity, mu(-a) = 0.

function logCS(a: f64, e: f64): f64 {
  if (a < c(cA0)) {
    const z = a * a;
    const z2 = z * z;
    const z4 = z2 * z2;
    const z8 = z4 * z4;
    const p = (((c(cP + 0) + c(cP + 1) * z) + (c(cP + 2) + c(cP + 3) * z) * z2) + ((c(cP + 4) + c(cP + 5) * z) + (c(cP + 6) + c(cP + 7) * z) * z2) * z4) + (((c(cP + 8) + c(cP + 9) * z) + (c(cP + 10) + c(cP + 11) * z) * z2) + (c(cP + 12) + c(cP + 13) * z) * z4) * z8;
    return z * p + ks(kLN2_LO) + ks(kLN2_HI);
  }
  const ee = e * e;
  let r = ks(kLG7);
  r = ks(kLG6) + ee * r;
  r = ks(kLG5) + ee * r;
  r = ks(kLG4) + ee * r;
  r = ks(kLG3) + ee * r;
  r = ks(kLG2) + ee * r;
  r = ks(kLG1) + ee * r;
  return logS(a) + e * (ks(kTWO) + ee * r);
}

function muNegS(a: f64, e: f64): f64 {
  if (a < c(cA0)) {
    const z = a * a;
    const z2 = z * z;
    const z4 = z2 * z2;
    const z8 = z4 * z4;
    const s = (((c(cS + 0) + c(cS + 1) * z) + (c(cS + 2) + c(cS + 3) * z) * z2) + ((c(cS + 4) + c(cS + 5) * z) + (c(cS + 6) + c(cS + 7) * z) * z2) * z4) + (c(cS + 8) + c(cS + 9) * z) * z8;
    return ks(kHALF) - a * s;
  }
  return ks(kONE) / a - e / (ks(kONE) - e);
}

// Vector twins (same operations per lane). `mode` says which branch the lanes of the current step
// take (SOME: both, selected per lane; SMALL: all a < A0; LARGE: none), so that a step whose lanes
// agree computes one branch. la: log a (used where a >= A0).
const SOME = 0;
const SMALL = 1;
const LARGE = 2;

// @ts-ignore: decorator
@inline function logCV(mode: i32, a: v128, e: v128, la: v128): v128 {
  let small = a;
  let large = a;
  if (mode != LARGE) {
  const z = f64x2.mul(a, a);
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const z8 = f64x2.mul(z4, z4);
  const p = f64x2.add(f64x2.add(f64x2.add(f64x2.add(kc(cP + 0), f64x2.mul(kc(cP + 1), z)), f64x2.mul(f64x2.add(kc(cP + 2), f64x2.mul(kc(cP + 3), z)), z2)), f64x2.mul(f64x2.add(f64x2.add(kc(cP + 4), f64x2.mul(kc(cP + 5), z)), f64x2.mul(f64x2.add(kc(cP + 6), f64x2.mul(kc(cP + 7), z)), z2)), z4)), f64x2.mul(f64x2.add(f64x2.add(f64x2.add(kc(cP + 8), f64x2.mul(kc(cP + 9), z)), f64x2.mul(f64x2.add(kc(cP + 10), f64x2.mul(kc(cP + 11), z)), z2)), f64x2.mul(f64x2.add(kc(cP + 12), f64x2.mul(kc(cP + 13), z)), z4)), z8));
  small = f64x2.add(f64x2.add(f64x2.mul(z, p), kv(kLN2_LO)), kv(kLN2_HI));
  if (mode == SMALL) return small;
  }
  const ee = f64x2.mul(e, e);
  let r = kv(kLG7);
  r = f64x2.add(kv(kLG6), f64x2.mul(ee, r));
  r = f64x2.add(kv(kLG5), f64x2.mul(ee, r));
  r = f64x2.add(kv(kLG4), f64x2.mul(ee, r));
  r = f64x2.add(kv(kLG3), f64x2.mul(ee, r));
  r = f64x2.add(kv(kLG2), f64x2.mul(ee, r));
  r = f64x2.add(kv(kLG1), f64x2.mul(ee, r));
  large = f64x2.add(la, f64x2.mul(e, f64x2.add(kv(kTWO), f64x2.mul(ee, r))));
  if (mode == LARGE) return large;
  return v128.bitselect(small, large, f64x2.lt(a, kc(cA0)));
}

// @ts-ignore: decorator
@inline function muNegV(mode: i32, a: v128, e: v128): v128 {
  let small = a;
  if (mode != LARGE) {
  const z = f64x2.mul(a, a);
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const z8 = f64x2.mul(z4, z4);
  const s = f64x2.add(f64x2.add(f64x2.add(f64x2.add(kc(cS + 0), f64x2.mul(kc(cS + 1), z)), f64x2.mul(f64x2.add(kc(cS + 2), f64x2.mul(kc(cS + 3), z)), z2)), f64x2.mul(f64x2.add(f64x2.add(kc(cS + 4), f64x2.mul(kc(cS + 5), z)), f64x2.mul(f64x2.add(kc(cS + 6), f64x2.mul(kc(cS + 7), z)), z2)), z4)), f64x2.mul(f64x2.add(kc(cS + 8), f64x2.mul(kc(cS + 9), z)), z8));
  small = f64x2.sub(kv(kHALF), f64x2.mul(a, s));
  if (mode == SMALL) return small;
  }
  const one = kv(kONE);
  const large = f64x2.sub(f64x2.div(one, a), f64x2.div(e, f64x2.sub(one, e)));
  if (mode == LARGE) return large;
  return v128.bitselect(small, large, f64x2.lt(a, kc(cA0)));
}

// ---------------------------------------------------------------------------------------------
// Scalar element: every special case. Validates, computes, stores, accumulates.

function elem(kind: i32, op: i32, pv: usize, px: usize, pw: usize, pout: usize, pg: usize, i: i32, gscale: f64): i32 {
  const o = <usize>i << 3;
  if (masked(i)) {
    skipElem(pout, pg, o);
    return -1;
  }
  const v = ldS(pv, o, (F32 & F_PRED) != 0);
  let x: f64 = 0;
  if (op == NLL) {
    x = ldS(px, o, (F32 & F_TGT) != 0);
    if (!(x >= 0 && x <= 1)) return bad(i, 2);
  }
  if (kind == PROBS ? !(v >= 0 && v <= 1) : isNaN(v)) return bad(i, 1);
  let w: f64 = 1;
  if (pw) {
    w = ldS(pw, o, (F32 & F_W) != 0);
    if (!(w >= 0 && w < Infinity)) return bad(i, 3);
  }
  // a = |eta|, e = exp(-a), the two log-probabilities (or softplus terms), lambda(1 - lambda).
  let a: f64;
  let e: f64;
  let neg: bool;
  let t1: f64; // -log lambda = softplus(-eta)
  let t0: f64; // -log(1 - lambda) = softplus(eta)
  let q: f64 = 1;
  if (kind == PROBS) {
    neg = v < 0.5;
    const m = neg ? v : 1 - v;
    const u = 1 - m;
    const ru = 1 / u;
    const lm = logS(m);
    const l1m = logPlusS(u, (1 - u - m) * ru);
    a = l1m - lm;
    e = m * ru;
    q = m * u;
    t1 = neg ? 0 - lm : 0 - l1m;
    t0 = neg ? 0 - l1m : 0 - lm;
  } else {
    neg = v < 0;
    a = Math.abs(v);
    e = expS(-a);
    const u = 1 + e;
    const l = log1pFromS(u, e - (u - 1));
    t1 = (neg ? a : 0) + l;
    t0 = (neg ? 0 : a) + l;
  }
  const end = a == Infinity; // lambda = 0 or 1, eta = -Infinity or +Infinity
  let mu = end ? 0 : muNegS(a, e);
  if (!neg) mu = 1 - mu;
  const lc = end ? Infinity : logCS(a, e);
  let y: f64;
  let g: f64 = 0;
  if (op == LOGC) y = lc;
  else if (op == MEAN) y = mu;
  else {
    // A zero coefficient contributes 0 even against an infinite term.
    const b = (x == 0 ? 0 : x * t1) + (x == 1 ? 0 : (1 - x) * t0);
    g = mu - x;
    if (end) {
      // The limits: the density concentrates on the endpoint mu.
      y = x == mu ? -Infinity : Infinity;
      if (kind == PROBS) g = x == mu ? (neg ? Infinity : -Infinity) : neg ? -Infinity : Infinity;
    } else {
      y = b - lc;
      if (kind == PROBS) g = g / q;
    }
    if (pw) {
      y = w == 0 ? 0 : w * y;
      g = w == 0 ? 0 : w * g;
    }
    if (pg) stS(pg, o, (F32 & F_G) != 0, g * gscale);
    if (Math.abs(y) == Infinity) store<f64>(RES, <f64>(<i32>load<f64>(RES, 24) | (y > 0 ? 1 : 2)), 24);
    sumAdd(y);
  }
  if (pout) stS(pout, o, (F32 & F_OUT) != 0, y);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Vector path: two vectors a step. Plain lanes: probabilities with m >= 2^-1022 (lambda in
// [2^-1022, 1 - 2^-53]); logits with |eta| <= 708; x in [0, 1]; weight finite and >= 0.

// @ts-ignore: decorator
@inline function plainV(kind: i32, op: i32, f: i32, v: v128, x: v128, w: v128): v128 {
  const ok =
    kind == PROBS
      ? v128.and(f64x2.ge(v, kv(kMIN_NORMAL)), f64x2.ge(f64x2.sub(kv(kONE), v), kv(kMIN_NORMAL)))
      : expPlainV(v);
  return op == NLL ? lanesV(f, ok, x, w) : ok;
}

// Loss (and gradient) of one vector; returns the weighted loss.
// @ts-ignore: decorator
@inline function outV(mode: i32, kind: i32, op: i32, f: i32, o: usize, v: v128, x: v128, w: v128, a: v128, e: v128, la: v128, t1: v128, t0: v128, q: v128, pout: usize, pg: usize, gscale: f64): v128 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  if (op == LOGC) {
    stV(pout, o, (F32 & F_OUT) != 0, logCV(mode, a, e, la));
    return zero;
  }
  const neg = f64x2.lt(v, kind == PROBS ? kv(kHALF) : zero);
  const mun = muNegV(mode, a, e);
  const mu = v128.bitselect(mun, f64x2.sub(one, mun), neg);
  if (op == MEAN) {
    stV(pout, o, (F32 & F_OUT) != 0, mu);
    return zero;
  }
  const lc = logCV(mode, a, e, la);
  const b = f64x2.add(f64x2.mul(x, t1), f64x2.mul(f64x2.sub(one, x), t0));
  const y = f64x2.sub(b, lc);
  let g = f64x2.sub(mu, x);
  if (kind == PROBS) g = f64x2.div(g, q);
  return finishV(f, true, o, y, g, w, pout, pg, gscale);
}

// @ts-ignore: decorator
@inline function run(kind: i32, op: i32, f: i32, pv: usize, px: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64): i32 {
  sumReset();
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let s = f64x2.splat(0);
    let cs = f64x2.splat(0);
    const fv = (F32 & F_PRED) != 0;
    const fx = (F32 & F_TGT) != 0;
    const fw = (F32 & F_W) != 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      // A group holding a masked-out sample reads and writes a scratch copy (maskGroup, maskOut).
      const mg = masked4(i) ? maskGroup(i, pv, px, pw, pout, pg, kind == PROBS ? 0.25 : 1) : 0;
      if (mg == 1) continue;
      const qv = mg ? Q_A : pv, qx = mg ? Q_T : px, qw = mg ? Q_W : pw;
      const qo = mg ? Q_OUT : pout, qg = mg ? Q_G : pg, qk = mg ? S_KEEP : KEEP_ALL;
      const zero = f64x2.splat(0);
      const one = kv(kONE);
      const v = ldV(qv, o, fv);
      const v1 = ldV(qv, o + 16, fv);
      const x = op == NLL ? ldV(qx, o, fx) : zero;
      const x1 = op == NLL ? ldV(qx, o + 16, fx) : zero;
      const w = f & W ? ldV(qw, o, fw) : one;
      const w1 = f & W ? ldV(qw, o + 16, fw) : one;
      if (!v128.all_true<i64>(v128.and(plainV(kind, op, f, v, x, w), plainV(kind, op, f, v1, x1, w1)))) {
        for (let j = i; j < i + 4; j++) {
          const r = elem(kind, op, pv, px, pw, pout, pg, j, gscale);
          if (r >= 0) return r;
        }
        continue;
      }
      let a: v128;
      let a1: v128;
      let e: v128;
      let e1: v128;
      let t0 = zero;
      let t1 = zero;
      let t01 = zero;
      let t11 = zero;
      let q = one;
      let q1 = one;
      if (kind == PROBS) {
        const neg = f64x2.lt(v, kv(kHALF));
        const neg1 = f64x2.lt(v1, kv(kHALF));
        const m = f64x2.pmin(v, f64x2.sub(one, v));
        const m1 = f64x2.pmin(v1, f64x2.sub(one, v1));
        const u = f64x2.sub(one, m);
        const u1 = f64x2.sub(one, m1);
        // log m and log1p(-m) = log u + ((1 - u) - m)/u of each vector; one division by u for this
        // correction and e = m/u (the divider is the bottleneck).
        const ru = f64x2.div(one, u);
        const ru1 = f64x2.div(one, u1);
        log2V(m, zero, u, f64x2.mul(f64x2.sub(f64x2.sub(one, u), m), ru), true);
        const lm = r0();
        const l1m = r1();
        log2V(m1, zero, u1, f64x2.mul(f64x2.sub(f64x2.sub(one, u1), m1), ru1), true);
        const lm1 = r0();
        const l1m1 = r1();
        a = f64x2.sub(l1m, lm);
        a1 = f64x2.sub(l1m1, lm1);
        e = f64x2.mul(m, ru);
        e1 = f64x2.mul(m1, ru1);
        if (op == NLL) {
          q = f64x2.mul(m, u);
          q1 = f64x2.mul(m1, u1);
          t1 = v128.bitselect(f64x2.sub(zero, lm), f64x2.sub(zero, l1m), neg);
          t0 = v128.bitselect(f64x2.sub(zero, l1m), f64x2.sub(zero, lm), neg);
          t11 = v128.bitselect(f64x2.sub(zero, lm1), f64x2.sub(zero, l1m1), neg1);
          t01 = v128.bitselect(f64x2.sub(zero, l1m1), f64x2.sub(zero, lm1), neg1);
        }
      } else {
        a = f64x2.abs(v);
        a1 = f64x2.abs(v1);
        exp2V(f64x2.neg(a), f64x2.neg(a1));
        e = r0();
        e1 = r1();
        if (op == NLL) {
          const u = f64x2.add(one, e);
          const u1 = f64x2.add(one, e1);
          log2V(u, f64x2.div(f64x2.sub(e, f64x2.sub(u, one)), u), u1, f64x2.div(f64x2.sub(e1, f64x2.sub(u1, one)), u1), true);
          const l = r0();
          const l1 = r1();
          const neg = f64x2.lt(v, zero);
          const neg1 = f64x2.lt(v1, zero);
          t1 = f64x2.add(v128.and(a, neg), l);
          t0 = f64x2.add(v128.andnot(a, neg), l);
          t11 = f64x2.add(v128.and(a1, neg1), l1);
          t01 = f64x2.add(v128.andnot(a1, neg1), l1);
        }
      }
      const sm = v128.and(f64x2.lt(a, kc(cA0)), f64x2.lt(a1, kc(cA0)));
      const anySmall = v128.any_true(v128.or(f64x2.lt(a, kc(cA0)), f64x2.lt(a1, kc(cA0))));
      let y = zero;
      let y1 = zero;
      if (v128.all_true<i64>(sm)) {
        y = outV(SMALL, kind, op, f, o, v, x, w, a, e, zero, t1, t0, q, qo, qg, gscale);
        y1 = outV(SMALL, kind, op, f, o + 16, v1, x1, w1, a1, e1, zero, t11, t01, q1, qo, qg, gscale);
      } else {
        let la = zero;
        let la1 = zero;
        if (op != MEAN) {
          log2V(a, zero, a1, zero, false);
          la = r0();
          la1 = r1();
        }
        if (anySmall) {
          y = outV(SOME, kind, op, f, o, v, x, w, a, e, la, t1, t0, q, qo, qg, gscale);
          y1 = outV(SOME, kind, op, f, o + 16, v1, x1, w1, a1, e1, la1, t11, t01, q1, qo, qg, gscale);
        } else {
          y = outV(LARGE, kind, op, f, o, v, x, w, a, e, la, t1, t0, q, qo, qg, gscale);
          y1 = outV(LARGE, kind, op, f, o + 16, v1, x1, w1, a1, e1, la1, t11, t01, q1, qo, qg, gscale);
        }
      }
      if (op == NLL) {
        // the losses of kept samples only
        const yy = f64x2.sub(f64x2.add(v128.and(y, v128.load(qk)), v128.and(y1, v128.load(qk, 16))), cs);
        const tt = f64x2.add(s, yy);
        cs = f64x2.sub(f64x2.sub(tt, s), yy);
        s = tt;
      }
      if (mg) maskOut(i, pout, pg);
    }
    sumFold(f64x2.extract_lane(s, 0), f64x2.extract_lane(s, 1), f64x2.extract_lane(cs, 0), f64x2.extract_lane(cs, 1));
  }
  for (; i < n; i++) {
    const r = elem(kind, op, pv, px, pw, pout, pg, i, gscale);
    if (r >= 0) return r;
  }
  sumStore(RES);
  return -1;
}

// @ts-ignore: decorator
@inline function dispatch(kind: i32, pv: usize, px: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64): i32 {
  const f = (pw ? W : 0) | (pout ? O : 0) | (pg ? G : 0);
  if (!ASC_FEATURE_SIMD) return run(kind, NLL, f, pv, px, pw, pout, pg, n, gscale);
  switch (f) {
    case 0:
      return run(kind, NLL, 0, pv, px, pw, pout, pg, n, gscale);
    case W:
      return run(kind, NLL, W, pv, px, pw, pout, pg, n, gscale);
    case O:
      return run(kind, NLL, O, pv, px, pw, pout, pg, n, gscale);
    case W | O:
      return run(kind, NLL, W | O, pv, px, pw, pout, pg, n, gscale);
    case G:
      return run(kind, NLL, G, pv, px, pw, pout, pg, n, gscale);
    case W | G:
      return run(kind, NLL, W | G, pv, px, pw, pout, pg, n, gscale);
    case O | G:
      return run(kind, NLL, O | G, pv, px, pw, pout, pg, n, gscale);
    default:
      return run(kind, NLL, W | O | G, pv, px, pw, pout, pg, n, gscale);
  }
}

/** log C(lambda) for lambda in [0, 1] (+Infinity at 0 and 1); -1 or the first bad index. */
export function cbLogNorm(pv: usize, pout: usize, n: i32, f32: i32): i32 {
  setF32(f32);
  setMask(0, 1, 0);
  return run(PROBS, LOGC, O, pv, 0, 0, pout, 0, n, 1);
}

/** log C(sigmoid(eta)) = log(eta / tanh(eta/2)) (+Infinity at ±Infinity); -1 or the first NaN. */
export function cbLogNormWithLogits(pv: usize, pout: usize, n: i32, f32: i32): i32 {
  setF32(f32);
  setMask(0, 1, 0);
  return run(LOGITS, LOGC, O, pv, 0, 0, pout, 0, n, 1);
}

/** The mean mu from probabilities (logits = 0) or logits (logits = 1). */
export function cbMean(pv: usize, pout: usize, n: i32, logits: i32, f32: i32): i32 {
  setF32(f32);
  setMask(0, 1, 0);
  return logits ? run(LOGITS, MEAN, O, pv, 0, 0, pout, 0, n, 1) : run(PROBS, MEAN, O, pv, 0, 0, pout, 0, n, 1);
}

/** -log p(x | lambda); gradient with respect to lambda. */
export function cbNll(px: usize, pv: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, pm: usize): i32 {
  setF32(f32);
  setMask(pm, 1, 0);
  return dispatch(PROBS, pv, px, pw, pout, pg, n, gscale);
}

/** -log p(x | sigmoid(eta)); gradient with respect to eta. */
export function cbNllWithLogits(px: usize, pv: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, pm: usize): i32 {
  setF32(f32);
  setMask(pm, 1, 0);
  return dispatch(LOGITS, pv, px, pw, pout, pg, n, gscale);
}
