// The focal loss with soft targets, torchvision.ops.sigmoid_focal_loss's formula (Lin et al. 2017)
// for t in [0, 1], elementwise, loss and gradient in one pass:
//   ce = t softplus(-x) + (1-t) softplus(x)           (bceWithLogits: both terms >= 0)
//   u = 1 - p_t = t sigmoid(-x) + (1-t) sigmoid(x)    (no cancellation: never 1 - p_t by subtraction)
//   loss = a_t ce u^g,  a_t = alpha t + (1-alpha)(1-t)  (a_t = 1 without alpha)
//   d/dx = a_t [(sigmoid(x) - t) u^g + g (1-2t) ce u^g sigmoid(x) sigmoid(-x) / u]
// u^g is 1 for g = 0 (then the loss is bceWithLogits exactly), u for 1, u u for 2, else exp(g log u).
// sigmoid(x) sigmoid(-x) / u <= max(sigmoid(x), sigmoid(-x)) <= 1; where it underflows the term is 0,
// so that an infinite ce (x = ±Infinity) does not give NaN. Special cases: a zero coefficient (a_t,
// t, 1-t) contributes 0 even against an infinite softplus; a zero weight removes the sample.
// Scalar in both builds (the same bits); returns -1 or the first bad element as binary.ts does
// (1 = logits, 2 = targets, 3 = weight at RES + 16); the compensated sum of weighted losses at RES.
import {
  bad,
  expS,
  F_G,
  F_OUT,
  F_PRED,
  F_TGT,
  F_W,
  F32,
  ldS,
  logPlusS,
  logS,
  masked,
  RES,
  setF32,
  setMask,
  skipElem,
  stS,
  sumAdd,
  sumReset,
  sumStore,
} from './math';

// @ts-ignore: decorator
@inline function nz(c: f64, x: f64): f64 {
  return c == 0 ? 0 : c * x;
}

/** u^g for u in [0, 1]. */
// @ts-ignore: decorator
@inline function powU(u: f64, g: f64): f64 {
  if (g == 0) return 1;
  if (g == 1) return u;
  if (g == 2) return u * u;
  return u == 0 ? 0 : expS(g * logS(u));
}

/**
 * sigmoidFocalLoss of n elements: logits at px, targets at pt, weight pw, per-sample loss pout,
 * gradient pg (0 = absent), mask pm; gamma >= 0; alpha in [0, 1], or < 0 for none.
 */
export function sigmoidFocalLoss(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, pm: usize, gamma: f64, alpha: f64): i32 {
  setF32(f32);
  setMask(pm, 1, 0);
  sumReset();
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 3;
    if (masked(i)) {
      skipElem(pout, pg, o);
      continue;
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
    const e = expS(-Math.abs(x));
    const u1 = 1 + e;
    const ru = 1 / u1;
    // log1p(e) = log(u1) + (e - (u1 - 1))/u1
    const l = logPlusS(u1, (e - (u1 - 1)) * ru);
    const sp = (x < 0 ? 0 : x) + l;
    const sn = (x < 0 ? -x : 0) + l;
    const sig = (x >= 0 ? 1 : e) * ru;
    const sigN = (x >= 0 ? e : 1) * ru;
    const tn = 1 - t;
    const ce = nz(t, sn) + nz(tn, sp);
    const u = t * sigN + tn * sig;
    const pw_ = powU(u, gamma);
    const at = alpha < 0 ? 1 : alpha * t + (1 - alpha) * tn;
    let loss = nz(at, ce * pw_);
    let g: f64 = 0;
    if (pg) {
      const ss = sig * sigN;
      const r = ss == 0 || gamma == 0 ? 0 : gamma * (1 - 2 * t) * (ce * pw_) * (ss / u);
      g = at * ((sig - t) * pw_ + r);
    }
    if (pw) {
      loss = w == 0 ? 0 : w * loss;
      g = w == 0 ? 0 : w * g;
    }
    if (pout) stS(pout, o, (F32 & F_OUT) != 0, loss);
    if (pg) stS(pg, o, (F32 & F_G) != 0, g * gscale);
    if (Math.abs(loss) == Infinity) store<f64>(RES, 1, 24);
    sumAdd(loss);
  }
  sumStore(RES);
  return -1;
}
