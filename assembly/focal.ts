// The focal loss with soft targets, torchvision.ops.sigmoid_focal_loss's formula (Lin et al. 2017)
// for t in [0, 1], elementwise, loss and gradient in one pass:
//   ce = t softplus(-x) + (1-t) softplus(x)           (bceWithLogits: both terms >= 0)
//   u = 1 - p_t = t sigmoid(-x) + (1-t) sigmoid(x)    (no cancellation: never 1 - p_t by subtraction)
//   loss = a_t ce u^g,  a_t = alpha t + (1-alpha)(1-t)  (a_t = 1 without alpha)
//   d/dx = a_t [(sigmoid(x) - t) u^g + g (1-2t) ce u^g sigmoid(x) sigmoid(-x) / u]
// With A = sigmoid(x)(1 + e), B = sigmoid(-x)(1 + e), e = exp(-|x|) (A B = e) and D = t B + (1-t) A = u (1 + e),
// one division inv = 1/((1 + e) D) gives 1/(1 + e) = D inv and sigmoid(x) sigmoid(-x)/u = e inv.
// u^g is 1 for g = 0 (then the loss is bceWithLogits exactly), u for 1, u u for 2, else exp(g log u).
// sigmoid(x) sigmoid(-x) / u <= max(sigmoid(x), sigmoid(-x)) <= 1; where it underflows the term is 0,
// so that an infinite ce (x = ±Infinity) does not give NaN. Special cases: a zero coefficient (a_t,
// t, 1-t) contributes 0 even against an infinite softplus; a zero weight removes the sample.
// The SIMD build takes plain groups of four (|x| <= 708, inputs valid, none masked out) as two vectors,
// the others element by element with the scalar element, which is the scalar build's: both builds give
// the same bits. Four Kahan lanes (elements i..i+3 of each step), as bceDistill. Returns -1 or the first
// bad element as binary.ts does (1 = logits, 2 = targets, 3 = weight at RES + 16); the sum at RES.
import {
  bad,
  expPoly2V,
  expPlainV,
  F_G,
  F_OUT,
  F_PRED,
  F_TGT,
  F_W,
  F32,
  kINF,
  kONE,
  kv,
  ldS,
  ldV,
  log2V,
  logPlusS,
  logS,
  masked,
  masked4,
  maskGroup,
  maskOut,
  KEEP_ALL,
  r0,
  Q_A,
  Q_G,
  Q_OUT,
  Q_T,
  Q_W,
  S_KEEP,
  r1,
  RES,
  setF32,
  setMask,
  skipElem,
  stS,
  stV,
  sumAdd,
  lanes4Add,
  lanes4Fold,
  lanes4From,
  lanes4Reset,
  sumReset,
  sumStore,
} from './math';
import { exp2, expAny, pair } from './softmax';

const MIN_NORMAL: f64 = reinterpret<f64>(<u64>0x0010000000000000); // 2.2250738585072014e-308 = 2^-1022

// @ts-ignore: decorator
@inline function nz(c: f64, x: f64): f64 {
  return c == 0 ? 0 : c * x;
}

// @ts-ignore: decorator
@inline function nzV(c: v128, x: v128): v128 {
  return v128.andnot(f64x2.mul(c, x), f64x2.eq(c, f64x2.splat(0)));
}

/** u^g for u in [0, 1]: 1, u, u u, else exp(g log u) (0 at u = 0). */
// @ts-ignore: decorator
@inline function powS(u: f64, g: f64): f64 {
  if (g == 0) return 1;
  if (g == 1) return u;
  if (g == 2) return u * u;
  return u == 0 ? 0 : expAny(g * logS(u));
}

let gL: f64 = 0;

/** One element, every special case: validates, stores, leaves the weighted loss in gL. */
function elem(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, i: i32, gs: f64, gamma: f64, alpha: f64): i32 {
  const o = <usize>i << 3;
  gL = 0;
  if (masked(i)) {
    skipElem(pout, pg, o);
    return -1;
  }
  const x = ldS(px, o, (F32 & F_PRED) != 0);
  const t = ldS(pt, o, (F32 & F_TGT) != 0);
  if (isNaN(x)) return bad(i, 1);
  if (!(t >= 0 && t <= 1)) return bad(i, 2);
  let w: f64 = 1;
  if (pw) {
    w = ldS(pw, o, (F32 & F_W) != 0);
    if (!(w >= 0 && w < Infinity)) return bad(i, 3);
  }
  const e = expAny(-Math.abs(x));
  const u1 = 1 + e;
  // sigmoid(x) = A/u1, sigmoid(-x) = B/u1 (A B = e), u = D/u1: one division gives 1/u1 = D inv and
  // sigmoid(x) sigmoid(-x)/u = e inv where D is normal (always in the vector path: D >= e >= e^-708);
  // else (|x| > 708, or u = 0) the two divisions' values with 1/u1 directly
  const A: f64 = x >= 0 ? 1 : e;
  const B: f64 = x >= 0 ? e : 1;
  const tn = 1 - t;
  const D = t * B + tn * A;
  let ru: f64 = 1 / u1;
  let ssu: f64 = 0;
  if (D >= MIN_NORMAL) {
    const inv = 1 / (u1 * D);
    ru = D * inv;
    ssu = e * inv;
  } else if (D > 0) ssu = (e * ru) / D;
  // log1p(e) = log(u1) + (e - (u1 - 1))/u1
  const l = logPlusS(u1, (e - (u1 - 1)) * ru);
  const sig = A * ru;
  const ce = nz(t, (x < 0 ? -x : 0) + l) + nz(tn, (x < 0 ? 0 : x) + l);
  const u = D * ru;
  const pu = powS(u, gamma);
  const at = alpha < 0 ? 1 : alpha * t + (1 - alpha) * tn;
  const cp = ce * pu;
  let loss = nz(at, cp);
  const r = ssu == 0 || gamma == 0 ? 0 : gamma * (1 - 2 * t) * cp * ssu;
  let g = at * ((sig - t) * pu + r) * gs;
  if (pw) {
    loss = w == 0 ? 0 : w * loss;
    g = w == 0 ? 0 : w * g;
  }
  if (pout) stS(pout, o, (F32 & F_OUT) != 0, loss);
  if (pg) stS(pg, o, (F32 & F_G) != 0, g);
  if (Math.abs(loss) == Infinity) store<f64>(RES, 1, 24);
  gL = loss;
  return -1;
}

// The vector twin of elem for a plain pair (|x| <= 708, t in [0, 1], weight valid): e = expPoly there,
// as expAny gives it; l = log1p(e); pu = u^g computed by the caller.
// @ts-ignore: decorator
@inline function pairV(G: i32, grad: bool, x: v128, t: v128, w: v128, e: v128, ru: v128, ssu: v128, l: v128, pu: v128, gv: v128, aP: v128, aN: v128, noA: v128, gs: v128, o: usize, pout: usize, pg: usize): v128 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const sig = f64x2.mul(v128.bitselect(one, e, f64x2.ge(x, zero)), ru);
  const tn = f64x2.sub(one, t);
  const ce = f64x2.add(nzV(t, f64x2.add(f64x2.pmax(f64x2.neg(x), zero), l)), nzV(tn, f64x2.add(f64x2.pmax(x, zero), l)));
  // alpha t + (1 - alpha)(1 - t), or 1 without alpha (a select: no branch in the loop)
  const at = v128.bitselect(one, f64x2.add(f64x2.mul(aP, t), f64x2.mul(aN, tn)), noA);
  const cp = f64x2.mul(ce, pu);
  let loss = nzV(at, cp);
  // without weights w is 1: the products are the values themselves, as the scalar element's
  const w0 = f64x2.eq(w, zero);
  loss = v128.andnot(f64x2.mul(w, loss), w0);
  if (grad) {
    let r = zero;
    if (G != 0) {
      const two = f64x2.add(one, one);
      r = f64x2.mul(f64x2.mul(f64x2.mul(gv, f64x2.sub(one, f64x2.mul(two, t))), cp), ssu);
    }
    const g = f64x2.mul(f64x2.mul(at, f64x2.add(f64x2.mul(f64x2.sub(sig, t), pu), r)), gs);
    stV(pg, o, (F32 & F_G) != 0, v128.andnot(f64x2.mul(w, g), w0));
  }
  if (pout) stV(pout, o, (F32 & F_OUT) != 0, loss);
  return loss;
}

// The SIMD loop over groups of four, one copy per gradient mode (`grad`, a constant at each call site);
// the gamma kind G (0, 1, 2, other) is a run-time value (copies per kind measured no faster, 15 KB more).
// The Kahan lanes are left in gVa, gVb, gCa, gCb. Returns the elements done, or -2 - the first bad element.
// @ts-ignore: decorator
@lazy let gVa: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@lazy let gVb: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@lazy let gCa: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@lazy let gCb: v128 = v128.splat<i64>(0);

// @ts-ignore: decorator
@inline function loop4(G: i32, grad: bool, px: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, gamma: f64, alpha: f64): i32 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const gs = f64x2.splat(gscale);
  const gv = f64x2.splat(gamma);
  const aP = f64x2.splat(alpha);
  const aN = f64x2.splat(1 - alpha);
  const noA = alpha < 0 ? v128.splat<i64>(-1) : zero;
  const fx = (F32 & F_PRED) != 0, ft = (F32 & F_TGT) != 0, fw = (F32 & F_W) != 0;
  let va = zero, vb = zero, ca = zero, cb = zero;
  let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      // A group holding a masked-out sample reads and writes a scratch copy (maskGroup, maskOut).
      const mg = masked4(i) ? maskGroup(i, px, pt, pw, pout, pg, 0) : 0;
      if (mg == 1) continue;
      const qx = mg ? Q_A : px, qt = mg ? Q_T : pt, qw = mg ? Q_W : pw;
      const qo = mg ? Q_OUT : pout, qg = mg ? Q_G : pg, qk = mg ? S_KEEP : KEEP_ALL;
      const x0 = ldV(qx, o, fx);
      const x1 = ldV(qx, o + 16, fx);
      const t0 = ldV(qt, o, ft);
      const t1 = ldV(qt, o + 16, ft);
      const w0 = pw ? ldV(qw, o, fw) : one;
      const w1 = pw ? ldV(qw, o + 16, fw) : one;
      const nx0 = f64x2.neg(f64x2.abs(x0));
      const nx1 = f64x2.neg(f64x2.abs(x1));
      let ok = v128.and(expPlainV(nx0), expPlainV(nx1));
      ok = v128.and(ok, v128.and(v128.and(f64x2.ge(t0, zero), f64x2.le(t0, one)), v128.and(f64x2.ge(t1, zero), f64x2.le(t1, one))));
      if (pw) {
        const inf = kv(kINF);
        ok = v128.and(ok, v128.and(v128.and(f64x2.ge(w0, zero), f64x2.lt(w0, inf)), v128.and(f64x2.ge(w1, zero), f64x2.lt(w1, inf))));
      }
      let l0: v128, l1: v128;
      if (v128.all_true<i64>(ok)) {
        expPoly2V(nx0, nx1);
        const e0 = r0();
        const e1 = r1();
        const u0 = f64x2.add(one, e0);
        const u1 = f64x2.add(one, e1);
        // elem's single division (D > 0 here: e > 0)
        const g0 = f64x2.ge(x0, zero);
        const g1 = f64x2.ge(x1, zero);
        const D0 = f64x2.add(f64x2.mul(t0, v128.bitselect(e0, one, g0)), f64x2.mul(f64x2.sub(one, t0), v128.bitselect(one, e0, g0)));
        const D1 = f64x2.add(f64x2.mul(t1, v128.bitselect(e1, one, g1)), f64x2.mul(f64x2.sub(one, t1), v128.bitselect(one, e1, g1)));
        const inv0 = f64x2.div(one, f64x2.mul(u0, D0));
        const inv1 = f64x2.div(one, f64x2.mul(u1, D1));
        const ru0 = f64x2.mul(D0, inv0);
        const ru1 = f64x2.mul(D1, inv1);
        // log1p(e) = log(u) + (e - (u - 1))/u
        log2V(u0, f64x2.mul(f64x2.sub(e0, f64x2.sub(u0, one)), ru0), u1, f64x2.mul(f64x2.sub(e1, f64x2.sub(u1, one)), ru1), true);
        const lg0 = r0();
        const lg1 = r1();
        // u = 1 - p_t = D/u1, and u^g
        const q0 = f64x2.mul(D0, ru0);
        const q1 = f64x2.mul(D1, ru1);
        let p0 = one, p1 = one;
        if (G == 1) {
          p0 = q0;
          p1 = q1;
        } else if (G == 2) {
          p0 = f64x2.mul(q0, q0);
          p1 = f64x2.mul(q1, q1);
        } else if (G == 3) {
          // u >= sigmoid(-708) is normal here: log2V is logS lane by lane; exp2 is expAny's
          log2V(q0, q0, q1, q1, false);
          exp2(f64x2.mul(gv, r0()), f64x2.mul(gv, r1()));
          p0 = r0();
          p1 = r1();
        }
        // the losses of kept samples only
        l0 = v128.and(pairV(G, grad, x0, t0, w0, e0, ru0, f64x2.mul(e0, inv0), lg0, p0, gv, aP, aN, noA, gs, o, qo, qg), v128.load(qk));
        l1 = v128.and(pairV(G, grad, x1, t1, w1, e1, ru1, f64x2.mul(e1, inv1), lg1, p1, gv, aP, aN, noA, gs, o + 16, qo, qg), v128.load(qk, 16));
        if (mg) maskOut(i, pout, pg);
      } else {
        let r = elem(px, pt, pw, pout, pg, i, gscale, gamma, alpha);
        if (r >= 0) return -2 - r;
        const a = gL;
        r = elem(px, pt, pw, pout, pg, i + 1, gscale, gamma, alpha);
        if (r >= 0) return -2 - r;
        l0 = pair(a, gL);
        r = elem(px, pt, pw, pout, pg, i + 2, gscale, gamma, alpha);
        if (r >= 0) return -2 - r;
        const b = gL;
        r = elem(px, pt, pw, pout, pg, i + 3, gscale, gamma, alpha);
        if (r >= 0) return -2 - r;
        l1 = pair(b, gL);
      }
      let y = f64x2.sub(l0, ca);
      let tt = f64x2.add(va, y);
      ca = f64x2.sub(f64x2.sub(tt, va), y);
      va = tt;
      y = f64x2.sub(l1, cb);
      tt = f64x2.add(vb, y);
      cb = f64x2.sub(f64x2.sub(tt, vb), y);
      vb = tt;
    }
  gVa = va;
  gVb = vb;
  gCa = ca;
  gCb = cb;
  return i;
}

/**
 * sigmoidFocalLoss of n elements: logits at px, targets at pt, weight pw, per-sample loss pout,
 * gradient pg (0 = absent), mask pm; gamma >= 0; alpha in [0, 1], or < 0 for none.
 */
export function sigmoidFocalLoss(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, pm: usize, gamma: f64, alpha: f64): i32 {
  setF32(f32);
  setMask(pm, 1, 0);
  sumReset();
  let i = 0;
  // Kahan lanes of elements i, i+1, i+2, i+3 of each step (lanes4)
  lanes4Reset();
  if (ASC_FEATURE_SIMD) {
    const G = gamma == 0 ? 0 : gamma == 1 ? 1 : gamma == 2 ? 2 : 3;
    i = pg ? loop4(G, true, px, pt, pw, pout, pg, n, gscale, gamma, alpha) : loop4(G, false, px, pt, pw, pout, pg, n, gscale, gamma, alpha);
    if (i < 0) return -2 - i;
    lanes4From(gVa, gVb, gCa, gCb);
  }
  for (; i + 4 <= n; i += 4) {
    for (let j = 0; j < 4; j++) {
      const r = elem(px, pt, pw, pout, pg, i + j, gscale, gamma, alpha);
      if (r >= 0) return r;
      lanes4Add(j, gL);
    }
  }
  lanes4Fold();
  for (; i < n; i++) {
    const r = elem(px, pt, pw, pout, pg, i, gscale, gamma, alpha);
    if (r >= 0) return r;
    sumAdd(gL);
  }
  sumStore(RES);
  return -1;
}
