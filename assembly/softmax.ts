// Multi-class soft-label cross-entropy over row-major [rows, C] logits z and targets t, one row at a
// time, loss and gradient in one pass over the row's data (three sweeps of it while it sits in L1).
//
//   t'_c = t_c (1 - eps) + eps/C            label smoothing (keep = 1 - eps, add = eps/C; exact for eps = 0)
//   ct_c = cw_c t'_c                        class weights
//   m = max z,  e_c = exp(z_c - m),  s = sum e_c
//   CE = sum ct_c (m - z_c) + (sum ct_c) log1p(s - 1)     every term >= 0: no cancellation
//   KL = CE + sum ct_c log t'_c,  H = -sum ct_c log t'_c  0 log 0 = 0
//   dCE/dz_c = e_c/s sum ct - ct_c                         (also KL's gradient)
//
// s - 1 is summed without its leading 1 (the e_c of z_c < m, plus the ties minus one), so that log1p
// keeps the digits of a confident row's tiny loss. Rows of SMALL classes or more are summed along the
// row in two lanes, adding the pairs (c, c + 2) and (c + 1, c + 3) of each step of four, then the
// lanes, then the tail in order; shorter rows are vectorized across rows (four at a time) and summed
// in order. The scalar twins (the scalar build, and the SIMD build's rows that hold anything unusual)
// follow the same orders and operations: both builds give the same bits.
//
// Limits (the scalar path): -Infinity logits have e_c = 0 and contribute 0 where ct_c = 0, +Infinity
// to the loss elsewhere; a row holding +Infinity is the limit where those logits grow together
// (softmax uniform over them), a row of -Infinity only is uniform.
//
// Each kernel returns -1, or the index of the first bad element in the chunk (rows in order; in a row
// logits, then targets, then the row's weight, whose index is the row's), with the argument's position
// at RES + 16 (1 = logits, 2 = targets, 3 = weight). The compensated sum of weighted row losses is left
// at RES as hi, lo.
import { bad, expPoly2V, expPolyS, expS, kINF, kMIN_NORMAL, kONE, kTWO, kv, log2V, logPlusS, logS, r0, r1, RES, setR, sumAdd, sumReset, sumStore } from './math';

// The row's sums, lanes combined: ct, ct (m - z), e for z < m, ties (e = 1), ct log t'.
let gS0: f64 = 0;
let gA: f64 = 0;
let gRest: f64 = 0;
let gCnt: f64 = 0;
let gT: f64 = 0;
// Whether every target seen by the scalar element is a finite number >= 0.
let gTok: bool = true;

// Below exp(-708) results are subnormal (or 0): expPoly stops there. Below -746 they are 0 (expS's
// clamp): masks of -1e9 or -Infinity take expPoly's value at the floor, zeroed; lanes between the two
// take expS.
export const EXP_FLOOR: f64 = -708;
const EXP_ZERO: f64 = -746;
const NEG_MAX: f64 = -1.7976931348623157e308;

// e^d for d <= 0 (or -Infinity): the vector path's expPoly where it applies, else expS.
export function expAny(d: f64): f64 {
  return d >= EXP_FLOOR ? expPolyS(d) : expS(d);
}

// Rows of fewer classes are vectorized across rows (four at a time), longer ones along the row:
// measured side by side, across rows is faster up to C = 64 (14-21% at C = 16-48), slower at C = 100.
export const SMALL = 80;

/**
 * log1p(x) for x >= 0 as log(u) + (rounding error of u = 1 + x)/u (musl's correction): the form the
 * across-rows path evaluates with log2V.
 */
// @ts-ignore: decorator
@inline export function log1pU(x: f64): f64 {
  const u = 1 + x;
  return logPlusS(u, (u >= 2 ? 1 - (u - x) : x - (u - 1)) / u);
}

/** log1pU of the lanes of a and b into r0(), r1(): its operations, for two vectors at once. */
// @ts-ignore: decorator
@inline export function log1pUV(a: v128, b: v128): void {
  const one = kv(kONE);
  const two = kv(kTWO);
  const ua = f64x2.add(one, a);
  const ub = f64x2.add(one, b);
  const ca = f64x2.div(v128.bitselect(f64x2.sub(one, f64x2.sub(ua, a)), f64x2.sub(a, f64x2.sub(ua, one)), f64x2.ge(ua, two)), ua);
  const cb = f64x2.div(v128.bitselect(f64x2.sub(one, f64x2.sub(ub, b)), f64x2.sub(b, f64x2.sub(ub, one)), f64x2.ge(ub, two)), ub);
  log2V(ua, ca, ub, cb, true);
}

// ct = cw t' of one element.
// @ts-ignore: decorator
@inline function ctS(t: f64, cw: f64, keep: f64, add: f64): f64 {
  return (t * keep + add) * cw;
}

// ct (z - m) = -ct (m - z) (the sums negate their total, exactly), with 0 for ct = 0 against an
// infinite difference.
// @ts-ignore: decorator
@inline function aS(ct: f64, d: f64): f64 {
  return ct == 0 ? 0 : ct * d;
}

// The row's logits as the sums see them: unchanged when m is finite; else the limits above.
// @ts-ignore: decorator
@inline export function limitZ(z: f64, m: f64): f64 {
  if (m == Infinity) return z == Infinity ? 0 : -Infinity;
  if (m == -Infinity) return 0;
  return z;
}

/** Max of a row, for the vector paths (NaN may be skipped: the sums then show it). */
// @ts-ignore: decorator
@inline export function rowMax(pz: usize, n: i32): f64 {
  let c = 0;
  let m: f64 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    let mv = f64x2.splat(-Infinity);
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      mv = f64x2.pmax(mv, f64x2.pmax(v128.load(pz + o), v128.load(pz + o, 16)));
    }
    m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
  }
  return maxFrom(pz, c, n, m);
}

/** max(m, the logits from c on); from 0, the scalar path's max (logits known not to be NaN). */
export function maxFrom(pz: usize, c: i32, n: i32, m: f64): f64 {
  for (; c < n; c++) m = max(m, load<f64>(pz + (<usize>c << 3)));
  return m;
}

// The first NaN logit of a row, or -1.
export function nanLogit(pz: usize, n: i32): i32 {
  for (let c = 0; c < n; c++) if (isNaN(load<f64>(pz + (<usize>c << 3)))) return c;
  return -1;
}

// One element of the sums (scalar): ct, ct (m - z), e; the tie flag in gTie.
let gCt: f64 = 0;
let gAe: f64 = 0;
let gTie: f64 = 0;

// @ts-ignore: decorator
@inline function elemS(pz: usize, pt: usize, pcw: usize, pe: usize, c: i32, m: f64, mz: f64, keep: f64, add: f64): f64 {
  const o = <usize>c << 3;
  const z = limitZ(load<f64>(pz + o), m);
  const t = load<f64>(pt + o);
  gTok = gTok && t >= 0 && t < Infinity;
  const ct = ctS(t, load<f64>(pcw + o), keep, add);
  const d = z - mz;
  const e = expAny(d);
  store<f64>(pe + o, e);
  gCt = ct;
  gAe = aS(ct, d);
  gTie = d == 0 ? 1 : 0;
  return d == 0 ? 0 : e;
}

// ct of a vector of targets; t itself when there is no smoothing and no class weight (same bits).
// @ts-ignore: decorator
@inline function ctV(t: v128, kp: v128, ad: v128, cw: v128, plain: bool): v128 {
  return plain ? t : f64x2.mul(f64x2.add(f64x2.mul(t, kp), ad), cw);
}

// Two scalars as a vector.
// @ts-ignore: decorator
@inline export function pair(a: f64, b: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

// e^d of two vectors of differences, some lane below EXP_FLOOR (or NaN), into r0() and r1(): the
// vector paths' slow step. Masks (below EXP_ZERO, -Infinity) give 0 and the others expPoly, unless a
// lane lies between the two (a subnormal result): then expAny lane by lane. Either way expAny's value
// per lane.
// @ts-ignore: decorator
@inline function expMasked2(d0: v128, d1: v128): void {
  const floor = f64x2.splat(EXP_FLOOR);
  const zb = f64x2.splat(EXP_ZERO);
  const low0 = f64x2.lt(d0, floor);
  const low1 = f64x2.lt(d1, floor);
  if (v128.any_true(v128.or(v128.and(low0, f64x2.ge(d0, zb)), v128.and(low1, f64x2.ge(d1, zb))))) {
    setR(
      pair(expAny(f64x2.extract_lane(d0, 0)), expAny(f64x2.extract_lane(d0, 1))),
      pair(expAny(f64x2.extract_lane(d1, 0)), expAny(f64x2.extract_lane(d1, 1))),
    );
  } else {
    expPoly2V(f64x2.pmax(d0, floor), f64x2.pmax(d1, floor));
    setR(v128.andnot(r0(), low0), v128.andnot(r1(), low1));
  }
}

// e^d of two vectors of differences into r0() and r1(): expPoly2V where every lane is at or above
// EXP_FLOOR, else the slow step (expMasked2); false for the slow step.
// @ts-ignore: decorator
@inline export function exp2(d0: v128, d1: v128): bool {
  const floor = f64x2.splat(EXP_FLOOR);
  if (v128.all_true<i64>(v128.and(f64x2.ge(d0, floor), f64x2.ge(d1, floor)))) {
    expPoly2V(d0, d1);
    return true;
  }
  expMasked2(d0, d1);
  return false;
}

// The difference d as ct (z - m) sees it after a slow step: where ct = 0, a -Infinity becomes finite,
// so that the class adds 0, not 0 x -Infinity (as aS); elsewhere d itself.
// @ts-ignore: decorator
@inline function maskedD(d: v128, ct: v128): v128 {
  return v128.bitselect(d, f64x2.pmax(d, f64x2.splat(NEG_MAX)), f64x2.ne(ct, f64x2.splat(0)));
}

/**
 * The row's sums into gS0, gA, gRest, gCnt; e_c stored at pe. With `vec` (SIMD build, C >= SMALL,
 * finite m) the vector path checks nothing per element: it returns false when a target is negative
 * or a sum is not finite (a NaN or infinite logit or target, or an overflow), and the caller takes
 * the scalar path, which returns false only for a target that is not a finite number >= 0.
 */
// @ts-ignore: decorator
@inline function rowSums(pz: usize, pt: usize, pcw: usize, pe: usize, n: i32, vec: bool, m: f64, keep: f64, add: f64, plainT: bool): bool {
  // Rows of fewer than SMALL classes are summed in order (the order of the across-rows path).
  const seq = n < SMALL;
  let c = 0;
  let tok = true;
  gTok = true;
  // m' = 0 for the limits (limitZ shifts the row), else m.
  const mz = m - m == 0 ? m : 0;
  // The two lanes (c + {0, 2}, c + {1, 3} per step of 4) of the sums of ct (q), ct (m - z) (a),
  // e of z < m (e) and ties (n).
  let q0: f64 = 0, q1: f64 = 0;
  let a0: f64 = 0, a1: f64 = 0;
  let e0: f64 = 0, e1: f64 = 0;
  let n0: f64 = 0, n1: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    if (vec) {
      const zero = f64x2.splat(0);
      const one = kv(kONE);
      const mv = f64x2.splat(m);
      const kp = f64x2.splat(keep);
      const ad = f64x2.splat(add);
      let tmin = kv(kINF);
      let vs = zero, va = zero, ve = zero, vn = zero;
      for (; c + 4 <= n; c += 4) {
        const o = <usize>c << 3;
        let d0 = f64x2.sub(v128.load(pz + o), mv);
        let d1 = f64x2.sub(v128.load(pz + o, 16), mv);
        const t0 = v128.load(pt + o);
        const t1 = v128.load(pt + o, 16);
        tmin = f64x2.pmin(tmin, f64x2.pmin(t0, t1));
        const ct0 = ctV(t0, kp, ad, v128.load(pcw + o), plainT);
        const ct1 = ctV(t1, kp, ad, v128.load(pcw + o, 16), plainT);
        const tie0 = f64x2.eq(d0, zero);
        const tie1 = f64x2.eq(d1, zero);
        if (!exp2(d0, d1)) {
          d0 = maskedD(d0, ct0);
          d1 = maskedD(d1, ct1);
        }
        const x0 = r0();
        const x1 = r1();
        v128.store(pe + o, x0);
        v128.store(pe + o, x1, 16);
        vs = f64x2.add(vs, f64x2.add(ct0, ct1));
        va = f64x2.add(va, f64x2.add(f64x2.mul(ct0, d0), f64x2.mul(ct1, d1)));
        ve = f64x2.add(ve, f64x2.add(v128.andnot(x0, tie0), v128.andnot(x1, tie1)));
        vn = f64x2.add(vn, f64x2.add(v128.and(one, tie0), v128.and(one, tie1)));
      }
      tok = v128.all_true<i64>(f64x2.ge(tmin, zero));
      // Lanes l0 + l2 and l1 + l3 are the vector's two lanes: fold them into the scalar twins' l0, l1.
      q0 = f64x2.extract_lane(vs, 0);
      q1 = f64x2.extract_lane(vs, 1);
      a0 = f64x2.extract_lane(va, 0);
      a1 = f64x2.extract_lane(va, 1);
      e0 = f64x2.extract_lane(ve, 0);
      e1 = f64x2.extract_lane(ve, 1);
      n0 = f64x2.extract_lane(vn, 0);
      n1 = f64x2.extract_lane(vn, 1);
    }
  }
  if (!vec && !seq) {
    for (; c + 4 <= n; c += 4) {
      const x0 = elemS(pz, pt, pcw, pe, c, m, mz, keep, add);
      const s0 = gCt, b0 = gAe, t0 = gTie;
      const x1 = elemS(pz, pt, pcw, pe, c + 1, m, mz, keep, add);
      const s1 = gCt, b1 = gAe, t1 = gTie;
      const x2 = elemS(pz, pt, pcw, pe, c + 2, m, mz, keep, add);
      q0 += s0 + gCt;
      a0 += b0 + gAe;
      n0 += t0 + gTie;
      e0 += x0 + x2;
      const x3 = elemS(pz, pt, pcw, pe, c + 3, m, mz, keep, add);
      q1 += s1 + gCt;
      a1 += b1 + gAe;
      n1 += t1 + gTie;
      e1 += x1 + x3;
    }
  }
  let s0 = q0 + q1;
  let sa = a0 + a1;
  let se = e0 + e1;
  let sn = n0 + n1;
  for (; c < n; c++) {
    se += elemS(pz, pt, pcw, pe, c, m, mz, keep, add);
    s0 += gCt;
    sa += gAe;
    sn += gTie;
  }
  gS0 = s0;
  gA = -sa;
  gRest = se;
  gCnt = sn;
  if (vec) return tok && gTok && Math.abs(s0 + sa + se + sn) < Infinity;
  return gTok;
}

// ct log t' of one element, 0 for t' = 0.
// @ts-ignore: decorator
@inline function tlogS(pt: usize, pcw: usize, c: i32, keep: f64, add: f64): f64 {
  const o = <usize>c << 3;
  const tp = load<f64>(pt + o) * keep + add;
  return tp * load<f64>(pcw + o) * logS(tp == 0 ? 1 : tp);
}

/** sum ct log t' over a row into gT (targets already validated). */
// @ts-ignore: decorator
@inline function rowTlog(pt: usize, pcw: usize, n: i32, keep: f64, add: f64): void {
  let c = 0;
  let l0: f64 = 0, l1: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f64x2.splat(0);
    const one = kv(kONE);
    const mn = kv(kMIN_NORMAL);
    const inf = kv(kINF);
    const kp = f64x2.splat(keep);
    const ad = f64x2.splat(add);
    let v = zero;
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      const tp0 = f64x2.add(f64x2.mul(v128.load(pt + o), kp), ad);
      const tp1 = f64x2.add(f64x2.mul(v128.load(pt + o, 16), kp), ad);
      const x0 = v128.bitselect(one, tp0, f64x2.eq(tp0, zero));
      const x1 = v128.bitselect(one, tp1, f64x2.eq(tp1, zero));
      let y0: v128, y1: v128;
      if (v128.all_true<i64>(v128.and(v128.and(f64x2.ge(x0, mn), f64x2.lt(x0, inf)), v128.and(f64x2.ge(x1, mn), f64x2.lt(x1, inf))))) {
        log2V(x0, zero, x1, zero, false);
        y0 = r0();
        y1 = r1();
      } else {
        y0 = pair(logS(f64x2.extract_lane(x0, 0)), logS(f64x2.extract_lane(x0, 1)));
        y1 = pair(logS(f64x2.extract_lane(x1, 0)), logS(f64x2.extract_lane(x1, 1)));
      }
      v = f64x2.add(v, f64x2.add(f64x2.mul(f64x2.mul(tp0, v128.load(pcw + o)), y0), f64x2.mul(f64x2.mul(tp1, v128.load(pcw + o, 16)), y1)));
    }
    l0 = f64x2.extract_lane(v, 0);
    l1 = f64x2.extract_lane(v, 1);
  } else {
    for (; c + 4 <= n; c += 4) {
      const y0 = tlogS(pt, pcw, c, keep, add);
      const y1 = tlogS(pt, pcw, c + 1, keep, add);
      l0 += y0 + tlogS(pt, pcw, c + 2, keep, add);
      l1 += y1 + tlogS(pt, pcw, c + 3, keep, add);
    }
  }
  let s = l0 + l1;
  for (; c < n; c++) s += tlogS(pt, pcw, c, keep, add);
  gT = s;
}

// g = (e k - ct) ws of one element, over its e at p.
// @ts-ignore: decorator
@inline function gradS(p: usize, t: f64, cw: f64, k: f64, ws: f64, keep: f64, add: f64): void {
  store<f64>(p, (load<f64>(p) * k - ctS(t, cw, keep, add)) * ws);
}

/** g_c = (e_c k - ct_c) ws in place over the stashed e_c at pe. */
// @ts-ignore: decorator
@inline function rowGrad(pt: usize, pcw: usize, pe: usize, n: i32, k: f64, ws: f64, keep: f64, add: f64, plainT: bool): void {
  let c = 0;
  if (ASC_FEATURE_SIMD) {
    const kk = f64x2.splat(k);
    const w = f64x2.splat(ws);
    const kp = f64x2.splat(keep);
    const ad = f64x2.splat(add);
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      const ct = ctV(v128.load(pt + o), kp, ad, v128.load(pcw + o), plainT);
      v128.store(pe + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o), kk), ct), w));
    }
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    gradS(pe + o, load<f64>(pt + o), load<f64>(pcw + o), k, ws, keep, add);
  }
}

// The first target of a row that is not a finite number >= 0 (the row is known to hold one).
export function badTarget(pt: usize, n: i32): i32 {
  for (let c = 0; c < n; c++) {
    const t = load<f64>(pt + (<usize>c << 3));
    if (!(t >= 0 && t < Infinity)) return c;
  }
  return 0;
}

// The row's weight, or -1 when it is not a finite number >= 0.
// @ts-ignore: decorator
@inline export function rowWeight(pw: usize, r: i32): f64 {
  if (!pw) return 1;
  const w = load<f64>(pw + (<usize>r << 3));
  return w >= 0 && w < Infinity ? w : -1;
}

// Row r's loss times its weight (a zero weight removes the row, even an infinite loss): stored (with
// pout), flagged when infinite, and added to the sum.
// @ts-ignore: decorator
@inline export function finishRow(pout: usize, r: i32, w: f64, loss: f64): void {
  const v = w == 0 ? 0 : w * loss;
  if (pout) store<f64>(pout + (<usize>r << 3), v);
  if (Math.abs(v) == Infinity) store<f64>(RES, 1, 24);
  sumAdd(v);
}

/** Whether row r is masked out (pm: the rows' mask bytes; 0 = no mask). */
// @ts-ignore: decorator
@inline export function skipRow(pm: usize, r: i32): bool {
  return pm != 0 && load<u8>(pm + <usize>r) == 0;
}

/** A skipped row (masked out, or an ignored label): loss 0 (not summed), gradient 0. */
export function emptyRow(pout: usize, pe: usize, r: i32, n: i32, grad: bool): void {
  if (pout) store<f64>(pout + (<usize>r << 3), 0);
  if (grad) memory.fill(pe, 0, <usize>n << 3);
}

// A vector from lane 0 at p and lane 1 at q.
// @ts-ignore: decorator
@inline function load2(p: usize, q: usize): v128 {
  return v128.load64_lane(q, v128.load64_splat(p), 1);
}

// @ts-ignore: decorator
@inline function store2(p: usize, q: usize, v: v128): void {
  v128.store64_lane(p, v, 0);
  v128.store64_lane(q, v, 1);
}

// Lane 0 of a and b, lane 1 of a and b: the columns of two rows loaded as row pieces.
// @ts-ignore: decorator
@inline function lo(a: v128, b: v128): v128 {
  return v128.shuffle<i64>(a, b, 0, 2);
}

// @ts-ignore: decorator
@inline function hi(a: v128, b: v128): v128 {
  return v128.shuffle<i64>(a, b, 1, 3);
}

/**
 * Four rows of C < SMALL classes across the lanes (rows r, r+1 in one vector, r+2, r+3 in the other),
 * with the same operations per row as rowSums' sequential order, log1pU and rowGrad. Rows are read
 * two columns at a time and transposed by shuffles. Nothing is checked per element: returns false,
 * having written nothing but scratch, when a target is negative or a sum is not finite (NaN or
 * infinite inputs): the caller then takes the rows one by one (limits, first bad element). Losses
 * are added to the sum in row order.
 */
function rows4(pz: usize, pt: usize, pcw: usize, pw: usize, pout: usize, pg: usize, r0_: i32, r1_: i32, r2_: i32, r3_: i32, C: i32, keep: f64, add: f64, gscale: f64, grad: bool, kl: bool, plainT: bool): bool {
  const row = <usize>C << 3;
  // rows r0_..r3_ (in order, not necessarily adjacent: a mask may skip rows between them)
  const f0 = <usize>r0_ * row, f1 = <usize>r1_ * row, f2 = <usize>r2_ * row, f3 = <usize>r3_ * row;
  const z0 = pz + f0, z1 = pz + f1, z2 = pz + f2, z3 = pz + f3;
  const t0 = pt + f0, t1 = pt + f1, t2 = pt + f2, t3 = pt + f3;
  const e0 = pg + f0, e1 = pg + f1, e2 = pg + f2, e3 = pg + f3;
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const inf = kv(kINF);
  const pairs = C & ~1;
  let m0 = f64x2.splat(-Infinity);
  let m1 = m0, m2 = m0, m3 = m0;
  for (let c = 0; c < pairs; c += 2) {
    const o = <usize>c << 3;
    m0 = f64x2.pmax(m0, v128.load(z0 + o));
    m1 = f64x2.pmax(m1, v128.load(z1 + o));
    m2 = f64x2.pmax(m2, v128.load(z2 + o));
    m3 = f64x2.pmax(m3, v128.load(z3 + o));
  }
  let ma = f64x2.pmax(lo(m0, m1), hi(m0, m1));
  let mb = f64x2.pmax(lo(m2, m3), hi(m2, m3));
  if (C & 1) {
    const o = <usize>pairs << 3;
    ma = f64x2.pmax(ma, load2(z0 + o, z1 + o));
    mb = f64x2.pmax(mb, load2(z2 + o, z3 + o));
  }
  const kp = f64x2.splat(keep);
  const ad = f64x2.splat(add);
  const floor = f64x2.splat(EXP_FLOOR);
  let sa = zero, sb = zero, aa = zero, ab = zero, xa = zero, xb = zero, na = zero, nb = zero;
  let tmin = inf;
  for (let c = 0; c < pairs; c += 2) {
    const o = <usize>c << 3;
    const a = v128.load(z0 + o);
    const b = v128.load(z1 + o);
    const d = v128.load(z2 + o);
    const e = v128.load(z3 + o);
    let da0 = f64x2.sub(lo(a, b), ma);
    let da1 = f64x2.sub(hi(a, b), ma);
    let db0 = f64x2.sub(lo(d, e), mb);
    let db1 = f64x2.sub(hi(d, e), mb);
    let ya0: v128, yb0: v128, ya1: v128, yb1: v128;
    let masked = false;
    if (v128.all_true<i64>(v128.and(v128.and(f64x2.ge(da0, floor), f64x2.ge(db0, floor)), v128.and(f64x2.ge(da1, floor), f64x2.ge(db1, floor))))) {
      expPoly2V(da0, db0);
      ya0 = r0();
      yb0 = r1();
      expPoly2V(da1, db1);
      ya1 = r0();
      yb1 = r1();
    } else {
      masked = true;
      expMasked2(da0, db0);
      ya0 = r0();
      yb0 = r1();
      expMasked2(da1, db1);
      ya1 = r0();
      yb1 = r1();
    }
    v128.store(e0 + o, lo(ya0, ya1));
    v128.store(e1 + o, hi(ya0, ya1));
    v128.store(e2 + o, lo(yb0, yb1));
    v128.store(e3 + o, hi(yb0, yb1));
    const u = v128.load(t0 + o);
    const v = v128.load(t1 + o);
    const w = v128.load(t2 + o);
    const x = v128.load(t3 + o);
    tmin = f64x2.pmin(tmin, f64x2.pmin(f64x2.pmin(u, v), f64x2.pmin(w, x)));
    const cw = v128.load(pcw + o);
    const cw0 = v128.shuffle<i64>(cw, cw, 0, 0);
    const cw1 = v128.shuffle<i64>(cw, cw, 1, 1);
    const cta0 = ctV(lo(u, v), kp, ad, cw0, plainT);
    const cta1 = ctV(hi(u, v), kp, ad, cw1, plainT);
    const ctb0 = ctV(lo(w, x), kp, ad, cw0, plainT);
    const ctb1 = ctV(hi(w, x), kp, ad, cw1, plainT);
    const ta0 = f64x2.eq(da0, zero);
    const ta1 = f64x2.eq(da1, zero);
    const tb0 = f64x2.eq(db0, zero);
    const tb1 = f64x2.eq(db1, zero);
    if (masked) {
      da0 = maskedD(da0, cta0);
      da1 = maskedD(da1, cta1);
      db0 = maskedD(db0, ctb0);
      db1 = maskedD(db1, ctb1);
    }
    // column c, then column c + 1 (the sequential order)
    sa = f64x2.add(f64x2.add(sa, cta0), cta1);
    sb = f64x2.add(f64x2.add(sb, ctb0), ctb1);
    aa = f64x2.add(f64x2.add(aa, f64x2.mul(cta0, da0)), f64x2.mul(cta1, da1));
    ab = f64x2.add(f64x2.add(ab, f64x2.mul(ctb0, db0)), f64x2.mul(ctb1, db1));
    xa = f64x2.add(f64x2.add(xa, v128.andnot(ya0, ta0)), v128.andnot(ya1, ta1));
    xb = f64x2.add(f64x2.add(xb, v128.andnot(yb0, tb0)), v128.andnot(yb1, tb1));
    na = f64x2.add(f64x2.add(na, v128.and(one, ta0)), v128.and(one, ta1));
    nb = f64x2.add(f64x2.add(nb, v128.and(one, tb0)), v128.and(one, tb1));
  }
  if (C & 1) {
    // The last column of an odd C.
    const o = <usize>pairs << 3;
    let da = f64x2.sub(load2(z0 + o, z1 + o), ma);
    let db = f64x2.sub(load2(z2 + o, z3 + o), mb);
    const fast = exp2(da, db);
    const ya = r0();
    const yb = r1();
    store2(e0 + o, e1 + o, ya);
    store2(e2 + o, e3 + o, yb);
    const u = load2(t0 + o, t1 + o);
    const v = load2(t2 + o, t3 + o);
    tmin = f64x2.pmin(tmin, f64x2.pmin(u, v));
    const cw = v128.load64_splat(pcw + o);
    const cta = ctV(u, kp, ad, cw, plainT);
    const ctb = ctV(v, kp, ad, cw, plainT);
    const tiea = f64x2.eq(da, zero);
    const tieb = f64x2.eq(db, zero);
    if (!fast) {
      da = maskedD(da, cta);
      db = maskedD(db, ctb);
    }
    sa = f64x2.add(sa, cta);
    sb = f64x2.add(sb, ctb);
    aa = f64x2.add(aa, f64x2.mul(cta, da));
    ab = f64x2.add(ab, f64x2.mul(ctb, db));
    xa = f64x2.add(xa, v128.andnot(ya, tiea));
    xb = f64x2.add(xb, v128.andnot(yb, tieb));
    na = f64x2.add(na, v128.and(one, tiea));
    nb = f64x2.add(nb, v128.and(one, tieb));
  }
  // A negative target, or a sum that is not finite (NaN or infinite logits or targets, overflow):
  // nothing but scratch (e at pg) has been written, the caller takes the rows one by one.
  const fin = f64x2.add(f64x2.add(f64x2.add(sa, aa), f64x2.add(xa, na)), f64x2.add(f64x2.add(sb, ab), f64x2.add(xb, nb)));
  if (!v128.all_true<i64>(v128.and(f64x2.ge(tmin, zero), f64x2.lt(f64x2.abs(fin), inf)))) return false;
  // log1pU of s - 1 = (ties - 1) + rest, both vectors at once
  log1pUV(f64x2.add(f64x2.sub(na, one), xa), f64x2.add(f64x2.sub(nb, one), xb));
  const la = f64x2.add(f64x2.neg(aa), f64x2.mul(sa, r0()));
  const lb = f64x2.add(f64x2.neg(ab), f64x2.mul(sb, r1()));
  if (grad) {
    let wa = f64x2.splat(gscale);
    let wb = wa;
    if (pw) {
      wa = f64x2.mul(load2(pw + (<usize>r0_ << 3), pw + (<usize>r1_ << 3)), wa);
      wb = f64x2.mul(load2(pw + (<usize>r2_ << 3), pw + (<usize>r3_ << 3)), wb);
    }
    const ka = f64x2.div(sa, f64x2.add(xa, na));
    const kb = f64x2.div(sb, f64x2.add(xb, nb));
    // rowGrad's operations for the four rows in one loop (its loop overhead paid once)
    const k0 = v128.shuffle<i64>(ka, ka, 0, 0);
    const k1 = v128.shuffle<i64>(ka, ka, 1, 1);
    const k2 = v128.shuffle<i64>(kb, kb, 0, 0);
    const k3 = v128.shuffle<i64>(kb, kb, 1, 1);
    const w0 = v128.shuffle<i64>(wa, wa, 0, 0);
    const w1 = v128.shuffle<i64>(wa, wa, 1, 1);
    const w2 = v128.shuffle<i64>(wb, wb, 0, 0);
    const w3 = v128.shuffle<i64>(wb, wb, 1, 1);
    for (let c = 0; c < pairs; c += 2) {
      const o = <usize>c << 3;
      const cw = v128.load(pcw + o);
      v128.store(e0 + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(e0 + o), k0), ctV(v128.load(t0 + o), kp, ad, cw, plainT)), w0));
      v128.store(e1 + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(e1 + o), k1), ctV(v128.load(t1 + o), kp, ad, cw, plainT)), w1));
      v128.store(e2 + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(e2 + o), k2), ctV(v128.load(t2 + o), kp, ad, cw, plainT)), w2));
      v128.store(e3 + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(e3 + o), k3), ctV(v128.load(t3 + o), kp, ad, cw, plainT)), w3));
    }
    if (C & 1) {
      // the last column, as rowGrad's scalar tail
      const o = <usize>pairs << 3;
      const cw = load<f64>(pcw + o);
      gradS(e0 + o, load<f64>(t0 + o), cw, f64x2.extract_lane(ka, 0), f64x2.extract_lane(wa, 0), keep, add);
      gradS(e1 + o, load<f64>(t1 + o), cw, f64x2.extract_lane(ka, 1), f64x2.extract_lane(wa, 1), keep, add);
      gradS(e2 + o, load<f64>(t2 + o), cw, f64x2.extract_lane(kb, 0), f64x2.extract_lane(wb, 0), keep, add);
      gradS(e3 + o, load<f64>(t3 + o), cw, f64x2.extract_lane(kb, 1), f64x2.extract_lane(wb, 1), keep, add);
    }
  }
  for (let j = 0; j < 4; j++) {
    let loss = j == 0 ? f64x2.extract_lane(la, 0) : j == 1 ? f64x2.extract_lane(la, 1) : j == 2 ? f64x2.extract_lane(lb, 0) : f64x2.extract_lane(lb, 1);
    const rj = j == 0 ? r0_ : j == 1 ? r1_ : j == 2 ? r2_ : r3_;
    if (kl) {
      rowTlog(pt + <usize>rj * row, pcw, C, keep, add);
      loss += gT;
    }
    finishRow(pout, rj, pw ? load<f64>(pw + (<usize>rj << 3)) : 1, loss);
  }
  return true;
}

// Flags of softmax: write the gradient; KL instead of CE; targets used as they are (no smoothing,
// no class weight: the vector paths skip ct's arithmetic, whose result would be t).
const GRAD = 1;
const KL = 2;
const PLAIN = 4;

/**
 * Cross-entropy or KL divergence (flags) of `rows` rows of C classes. pcw: C class weights (ones
 * when the caller gave none); pw, pout: per-row weight and loss (0 = absent); pg: C * rows gradient
 * (always present: it holds e_c between sweeps), written with GRAD.
 */
export function softmax(pz: usize, pt: usize, pcw: usize, pw: usize, pm: usize, pout: usize, pg: usize, rows: i32, C: i32, keep: f64, add: f64, gscale: f64, flags: i32): i32 {
  const grad = (flags & GRAD) != 0;
  const kl = (flags & KL) != 0;
  const plainT = (flags & PLAIN) != 0;
  sumReset();
  // Across rows, four at a time, when C < SMALL and their weights are valid (rows4 checks the rest);
  // else (and always in the scalar build) one row at a time.
  const across = ASC_FEATURE_SIMD && C < SMALL;
  for (let r = 0; r < rows; ) {
    if (across) {
      // the next four rows that the mask keeps, from r (the masked ones between them emptied)
      let q = r;
      let n = 0;
      let i0 = r, i1 = r + 1, i2 = r + 2, i3 = r + 3;
      const x = pm && r + 4 <= rows ? load<u32>(pm + <usize>r) : 0;
      if (r + 4 <= rows && (!pm || ((x - 0x01010101) & ~x & 0x80808080) == 0)) {
        // four kept rows in a row (no zero byte in their mask word)
        q = r + 4;
        n = 4;
      }
      for (; q < rows && n < 4; q++) {
        if (skipRow(pm, q)) continue;
        if (n == 0) i0 = q;
        else if (n == 1) i1 = q;
        else if (n == 2) i2 = q;
        else i3 = q;
        n++;
      }
      const ws = !pw || (rowWeight(pw, i0) >= 0 && rowWeight(pw, i1) >= 0 && rowWeight(pw, i2) >= 0 && rowWeight(pw, i3) >= 0);
      if (n == 4 && ws && rows4(pz, pt, pcw, pw, pout, pg, i0, i1, i2, i3, C, keep, add, gscale, grad, kl, plainT)) {
        if (pm) for (let j = r; j < q; j++) if (skipRow(pm, j)) emptyRow(pout, pg + (<usize>j * <usize>C << 3), j, C, grad);
        r = q;
        continue;
      }
    }
    const end = across ? min(r + 4, rows) : r + 1;
    for (; r < end; r++) {
      const off = <usize>r * <usize>C << 3;
      const z = pz + off;
      const t = pt + off;
      const e = pg + off;
      if (skipRow(pm, r)) {
        emptyRow(pout, e, r, C, grad);
        continue;
      }
      // The vector sums where they apply; else, or when they met something not finite, the scalar
      // path, which finds the first bad logit or target and takes the limits.
      const m = rowMax(z, C);
      if (!(ASC_FEATURE_SIMD && C >= SMALL && m - m == 0 && rowSums(z, t, pcw, e, C, true, m, keep, add, plainT))) {
        const nan = nanLogit(z, C);
        if (nan >= 0) return bad(r * C + nan, 1);
        if (!rowSums(z, t, pcw, e, C, false, maxFrom(z, 0, C, -Infinity), keep, add, plainT)) return bad(r * C + badTarget(t, C), 2);
      }
      const w = rowWeight(pw, r);
      if (w < 0) return bad(r, 3);
      let loss = gA + gS0 * log1pU((gCnt - 1) + gRest);
      if (kl) {
        rowTlog(t, pcw, C, keep, add);
        loss += gT;
      }
      if (grad) rowGrad(t, pcw, e, C, gS0 / (gRest + gCnt), w * gscale, keep, add, plainT);
      finishRow(pout, r, w, loss);
    }
  }
  sumStore(RES);
  return -1;
}

/** Entropy -sum ct log t' of `rows` rows of C target classes (arguments as for softmax). */
export function entropy(pt: usize, pcw: usize, pw: usize, pout: usize, rows: i32, C: i32, keep: f64, add: f64): i32 {
  sumReset();
  for (let r = 0; r < rows; r++) {
    const t = pt + (<usize>r * <usize>C << 3);
    let ok = true;
    for (let c = 0; c < C; c++) {
      const v = load<f64>(t + (<usize>c << 3));
      ok = ok && v >= 0 && v < Infinity;
    }
    if (!ok) return bad(r * C + badTarget(t, C), 2);
    const w = rowWeight(pw, r);
    if (w < 0) return bad(r, 3);
    rowTlog(t, pcw, C, keep, add);
    finishRow(pout, r, w, 0 - gT);
  }
  sumStore(RES);
  return -1;
}
