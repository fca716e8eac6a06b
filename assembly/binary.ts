// Binary soft-label cross-entropy, elementwise over flat arrays, loss and gradient in one pass.
//
//   bce(p, t)            = -t max(log p, -100) - (1-t) max(log1p(-p), -100)         (PyTorch clamp)
//   bceWithLogits(x, t)  = pw t softplus(-x) + (1-t) softplus(x),
//                          softplus(x) = max(x, 0) + log1p(exp(-|x|))                    (no cancellation)
//   d/dp bce             = (p - t) / (p (1-p)), a clamped term contributing 0
//   d/dx bceWithLogits   = (pw t + 1 - t) sigmoid(x) - pw t
//
// Each kernel takes raw pointers (0 = absent: no weight, no per-sample output, no gradient), writes
// w*loss to out and w*grad*gscale to grad, and leaves the compensated sum of w*loss at RES as hi, lo.
// It returns -1, or the index of the first element whose input is out of domain, with the argument's
// position (1 = prediction, 2 = target, 3 = weight) at RES + 16.
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
  kMIN_NORMAL,
  kNEG100,
  kONE,
  kP_MIN,
  kv,
  lanesV,
  ldS,
  ldV,
  log1pFromS,
  log2V,
  logS,
  masked,
  masked4,
  Q_A,
  Q_G,
  Q_OUT,
  Q_T,
  Q_W,
  S_KEEP,
  KEEP_ALL,
  maskGroup,
  maskOut,
  O,
  r0,
  r1,
  RES,
  setF32,
  setMask,
  skipElem,
  smoothS,
  smoothV,
  stS,
  sumAdd,
  sumFold,
  sumReset,
  sumStore,
  W,
} from './math';

const BCE = 0;
const LOGITS = 1;

// Scalar element, every special case: validates, computes, stores, accumulates.
function elem(kind: i32, pa: usize, pt: usize, pw: usize, pout: usize, pg: usize, i: i32, gscale: f64, posW: f64): i32 {
  const o = <usize>i << 3;
  if (masked(i)) {
    skipElem(pout, pg, o);
    return -1;
  }
  const a = ldS(pa, o, (F32 & F_PRED) != 0);
  let t = ldS(pt, o, (F32 & F_TGT) != 0);
  if (kind == BCE) {
    if (!(a >= 0 && a <= 1)) return bad(i, 1);
  } else if (isNaN(a)) return bad(i, 1);
  if (!(t >= 0 && t <= 1)) return bad(i, 2);
  t = smoothS(t);
  let w: f64 = 1;
  if (pw) {
    w = ldS(pw, o, (F32 & F_W) != 0);
    if (!(w >= 0 && w < Infinity)) return bad(i, 3);
  }
  let loss: f64;
  let g: f64 = 0;
  if (kind == BCE) {
    const lp = max(logS(a), -100.0);
    const u = 1 - a;
    const l1p = max(log1pFromS(u, 1 - u - a), -100.0);
    loss = 0 - t * lp - (1 - t) * l1p;
    if (pg) {
      if (lp > -100 && l1p > -100) g = (a - t) / (a * (1 - a));
      else g = (lp > -100 ? -t / a : 0) + (l1p > -100 ? (1 - t) / (1 - a) : 0);
    }
  } else {
    const e = expS(-Math.abs(a));
    const u = 1 + e;
    const l = log1pFromS(u, e - (u - 1));
    const spPos = (a < 0 ? 0 : a) + l;
    const spNeg = (-a < 0 ? 0 : -a) + l;
    const ca = posW * t;
    const cb = 1 - t;
    // A zero coefficient contributes 0 even against an infinite softplus (x = ±Infinity).
    loss = (ca == 0 ? 0 : ca * spNeg) + (cb == 0 ? 0 : cb * spPos);
    if (pg) g = (ca + cb) * ((a >= 0 ? 1 : e) / u) - ca;
  }
  if (pw) {
    loss = w * loss;
    g = w * g;
    if (kind == LOGITS && w == 0) {
      loss = 0;
      g = 0;
    }
  }
  if (pout) stS(pout, o, (F32 & F_OUT) != 0, loss);
  if (pg) stS(pg, o, (F32 & F_G) != 0, g * gscale);
  sumAdd(loss);
  return -1;
}

// Plain lanes of a pair: in domain, no clamp, no infinity, no subnormal. Other pairs (bad input
// included) take the clamped vector path (bce) or the scalar path.
// @ts-ignore: decorator
@inline function plainV(kind: i32, f: i32, a: v128, t: v128, w: v128): v128 {
  const pred = kind == BCE ? v128.and(f64x2.ge(a, kv(kP_MIN)), f64x2.lt(a, kv(kONE))) : expPlainV(a);
  return lanesV(f, pred, t, w);
}

// bce of a pair from u = 1 - p, lp = log p and l1p = log1p(-p). With `clamp` (a constant: p may be
// 0, 1 or below 2^-144) lp and l1p are clamped at -100 and a clamped term contributes 0 to the
// gradient, as in the scalar path (same bits).
// @ts-ignore: decorator
@inline function bceV(f: i32, clamp: bool, o: usize, a: v128, t: v128, w: v128, u: v128, lp: v128, l1p: v128, pout: usize, pg: usize, gscale: f64): v128 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const m100 = kv(kNEG100);
  if (clamp) {
    lp = f64x2.pmax(lp, m100);
    l1p = f64x2.pmax(l1p, m100);
  }
  const loss = f64x2.sub(f64x2.sub(zero, f64x2.mul(t, lp)), f64x2.mul(f64x2.sub(one, t), l1p));
  let g = zero;
  if (f & G) {
    g = f64x2.div(f64x2.sub(a, t), f64x2.mul(a, u));
    if (clamp) {
      const m1 = f64x2.gt(lp, m100);
      const m2 = f64x2.gt(l1p, m100);
      const g1 = v128.and(f64x2.div(f64x2.sub(zero, t), a), m1);
      const g2 = v128.and(f64x2.div(f64x2.sub(one, t), u), m2);
      g = v128.bitselect(g, f64x2.add(g1, g2), v128.and(m1, m2));
    }
  }
  return finishV(f, false, o, loss, g, w, pout, pg, gscale);
}

// bce of two pairs; returns the sum of their weighted losses (terms >= 0: one rounding more, and a
// single Kahan sum instead of two).
// @ts-ignore: decorator
@inline function bce4(f: i32, clamp: bool, o: usize, a: v128, t: v128, w: v128, a1: v128, t1: v128, w1: v128, pout: usize, pg: usize, gscale: f64, pk: usize): v128 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const mn = kv(kMIN_NORMAL);
  // With clamp, 0 and subnormals take log(2^-1022) < -100: clamped, as their true log would be.
  log2V(clamp ? f64x2.pmax(a, mn) : a, zero, clamp ? f64x2.pmax(a1, mn) : a1, zero, false);
  const lp = r0();
  const lp1 = r1();
  const u = f64x2.sub(one, a);
  const u1 = f64x2.sub(one, a1);
  const v = clamp ? f64x2.pmax(u, mn) : u;
  const v1 = clamp ? f64x2.pmax(u1, mn) : u1;
  // log1p(-p) = log(u) + ((1-u) - p)/u
  log2V(v, f64x2.div(f64x2.sub(f64x2.sub(one, u), a), v), v1, f64x2.div(f64x2.sub(f64x2.sub(one, u1), a1), v1), true);
  // the losses of kept samples only (pk: the group's keep mask)
  const loss = v128.and(bceV(f, clamp, o, a, t, w, u, lp, r0(), pout, pg, gscale), v128.load(pk));
  return f64x2.add(loss, v128.and(bceV(f, clamp, o + 16, a1, t1, w1, u1, lp1, r1(), pout, pg, gscale), v128.load(pk, 16)));
}

// Lanes of a pair in bce's domain: p and t in [0, 1], weight finite and >= 0 (false for NaN).
// @ts-ignore: decorator
@inline function bceValidV(f: i32, a: v128, t: v128, w: v128): v128 {
  return lanesV(f, v128.and(f64x2.ge(a, f64x2.splat(0)), f64x2.le(a, kv(kONE))), t, w);
}

// bceWithLogits of a pair from l = log1p(exp(-|x|)) and (with a gradient) sig = sigmoid(x).
// @ts-ignore: decorator
@inline function logitsV(f: i32, o: usize, a: v128, t: v128, w: v128, sig: v128, l: v128, posW: f64, pout: usize, pg: usize, gscale: f64): v128 {
  const zero = f64x2.splat(0);
  const spPos = f64x2.add(f64x2.pmax(a, zero), l);
  const spNeg = f64x2.add(f64x2.pmax(f64x2.sub(zero, a), zero), l);
  const ca = f64x2.mul(f64x2.splat(posW), t);
  const cb = f64x2.sub(kv(kONE), t);
  const loss = f64x2.add(f64x2.mul(ca, spNeg), f64x2.mul(cb, spPos));
  let g = zero;
  if (f & G) g = f64x2.sub(f64x2.mul(f64x2.add(ca, cb), sig), ca);
  return finishV(f, true, o, loss, g, w, pout, pg, gscale);
}

// sigmoid(x) from e = exp(-|x|) and u = 1 + e: 1/u for x >= 0, e/u below.
// @ts-ignore: decorator
@inline function sigmoidV(a: v128, e: v128, u: v128): v128 {
  return f64x2.div(v128.bitselect(kv(kONE), e, f64x2.ge(a, f64x2.splat(0))), u);
}

// `kind` and the flags `f` are constants at each call site: inlining folds the choices away, so that
// each combination gets a loop without branches (V8 does not unswitch loops, and its register
// allocator spills around every merge). Four elements a step, as two vectors whose log/exp chains
// are interleaved (log2V, exp2V): the loop is latency-bound.
// @ts-ignore: decorator
@inline function run(kind: i32, f: i32, pa: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, posW: f64): i32 {
  sumReset();
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Kahan sums: bce adds its two vectors first, bceWithLogits keeps one sum per vector.
    let s0 = f64x2.splat(0);
    let c0 = f64x2.splat(0);
    let s1 = f64x2.splat(0);
    let c1 = f64x2.splat(0);
    const fa = (F32 & F_PRED) != 0;
    const ft = (F32 & F_TGT) != 0;
    const fw = (F32 & F_W) != 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      // A group holding a masked-out sample reads and writes a scratch copy (maskGroup, maskOut).
      const mg = masked4(i) ? maskGroup(i, pa, pt, pw, pout, pg, kind == BCE ? 0.5 : 0) : 0;
      if (mg == 1) continue;
      const qa = mg ? Q_A : pa, qt = mg ? Q_T : pt, qw = mg ? Q_W : pw;
      const qo = mg ? Q_OUT : pout, qg = mg ? Q_G : pg, qk = mg ? S_KEEP : KEEP_ALL;
      const zero = f64x2.splat(0);
      const one = kv(kONE);
      const a = ldV(qa, o, fa);
      let t = ldV(qt, o, ft);
      const w = f & W ? ldV(qw, o, fw) : one;
      const a1 = ldV(qa, o + 16, fa);
      let t1 = ldV(qt, o + 16, ft);
      const w1 = f & W ? ldV(qw, o + 16, fw) : one;
      let loss = zero;
      let loss1 = zero;
      if (!v128.all_true<i64>(v128.and(plainV(kind, f, a, t, w), plainV(kind, f, a1, t1, w1)))) {
        if (kind == BCE && v128.all_true<i64>(v128.and(bceValidV(f, a, t, w), bceValidV(f, a1, t1, w1)))) {
          // Saturated or tiny probabilities, common in confident predictions: vectorized clamps.
          loss = bce4(f, true, o, a, smoothV(t), w, a1, smoothV(t1), w1, qo, qg, gscale, qk);
        } else {
          for (let j = i; j < i + 4; j++) {
            const r = elem(kind, pa, pt, pw, pout, pg, j, gscale, posW);
            if (r >= 0) return r;
          }
          continue;
        }
      } else if (kind == BCE) {
        loss = bce4(f, false, o, a, smoothV(t), w, a1, smoothV(t1), w1, qo, qg, gscale, qk);
      } else {
        t = smoothV(t);
        t1 = smoothV(t1);
        exp2V(f64x2.pmin(a, f64x2.sub(zero, a)), f64x2.pmin(a1, f64x2.sub(zero, a1)));
        const e = r0();
        const e1 = r1();
        const u = f64x2.add(one, e);
        const u1 = f64x2.add(one, e1);
        // Everything that needs e before the log, so that fewer vectors stay live across it.
        const sig = f & G ? sigmoidV(a, e, u) : zero;
        const sig1 = f & G ? sigmoidV(a1, e1, u1) : zero;
        // log1p(e) = log(u) + (e - (u-1))/u
        log2V(u, f64x2.div(f64x2.sub(e, f64x2.sub(u, one)), u), u1, f64x2.div(f64x2.sub(e1, f64x2.sub(u1, one)), u1), true);
        loss = v128.and(logitsV(f, o, a, t, w, sig, r0(), posW, qo, qg, gscale), v128.load(qk));
        loss1 = v128.and(logitsV(f, o + 16, a1, t1, w1, sig1, r1(), posW, qo, qg, gscale), v128.load(qk, 16));
      }
      const y = f64x2.sub(loss, c0);
      const tt = f64x2.add(s0, y);
      c0 = f64x2.sub(f64x2.sub(tt, s0), y);
      s0 = tt;
      if (kind == LOGITS) {
        const y1 = f64x2.sub(loss1, c1);
        const tt1 = f64x2.add(s1, y1);
        c1 = f64x2.sub(f64x2.sub(tt1, s1), y1);
        s1 = tt1;
      }
      if (mg) maskOut(i, pout, pg);
    }
    sumFold(f64x2.extract_lane(s0, 0), f64x2.extract_lane(s0, 1), f64x2.extract_lane(c0, 0), f64x2.extract_lane(c0, 1));
    sumFold(f64x2.extract_lane(s1, 0), f64x2.extract_lane(s1, 1), f64x2.extract_lane(c1, 0), f64x2.extract_lane(c1, 1));
  }
  for (; i < n; i++) {
    const r = elem(kind, pa, pt, pw, pout, pg, i, gscale, posW);
    if (r >= 0) return r;
  }
  sumStore(RES);
  return -1;
}

// One specialized loop per combination of present arrays.
// @ts-ignore: decorator
@inline function dispatch(kind: i32, pa: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, posW: f64): i32 {
  const f = (pw ? W : 0) | (pout ? O : 0) | (pg ? G : 0);
  if (!ASC_FEATURE_SIMD) return run(kind, f, pa, pt, pw, pout, pg, n, gscale, posW);
  switch (f) {
    case 0:
      return run(kind, 0, pa, pt, pw, pout, pg, n, gscale, posW);
    case W:
      return run(kind, W, pa, pt, pw, pout, pg, n, gscale, posW);
    case O:
      return run(kind, O, pa, pt, pw, pout, pg, n, gscale, posW);
    case W | O:
      return run(kind, W | O, pa, pt, pw, pout, pg, n, gscale, posW);
    case G:
      return run(kind, G, pa, pt, pw, pout, pg, n, gscale, posW);
    case W | G:
      return run(kind, W | G, pa, pt, pw, pout, pg, n, gscale, posW);
    case O | G:
      return run(kind, O | G, pa, pt, pw, pout, pg, n, gscale, posW);
    default:
      return run(kind, W | O | G, pa, pt, pw, pout, pg, n, gscale, posW);
  }
}

export function bce(pp: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, pm: usize, keep: f64, add: f64): i32 {
  setF32(f32);
  setMask(pm, keep, add);
  return dispatch(BCE, pp, pt, pw, pout, pg, n, gscale, 1);
}

export function bceWithLogits(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, posW: f64, pm: usize, keep: f64, add: f64): i32 {
  setF32(f32);
  setMask(pm, keep, add);
  return dispatch(LOGITS, px, pt, pw, pout, pg, n, gscale, posW);
}
