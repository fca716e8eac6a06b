// Knowledge distillation: the softmax losses of a student against a teacher's probabilities or
// logits with a temperature, in four modes, and binary cross-entropy with logits against a teacher's
// logits (multi-label distillation). Loss and gradient in one pass per row.
//
// Softmax (Hinton et al. 2015; the generalized JSD of the fused-kernel libraries, Liger-Kernel):
//   du = (z - max z)/T, dv = (s - max s)/T, lsu = log(sum e^du) = log1p(su - 1) (as softmax.ts)
//   q = e^du / su, p = e^dv / sv or the probability targets, p' = p keep + add, ct = cw p'
//   log q = du - lsu;  log p' = lp + lp0: lp = dv, lp0 = -lsv (teacher logits, no smoothing),
//                                         else lp = log p', lp0 = 0
//   row loss = T^2 L, gradient w.r.t. z = T dL/du (ws = weight x gscale x T):
//     ce          L = S lsu - sum ct du                    dL/du = q S - ct        S = sum ct
//     kl          L = sum ct (lp - du) + S (lsu + lp0)     dL/du = q S - ct
//     reverse-kl  L = sum q (du - lp) - Q (lsu + lp0)      dL/du = q (du - lp) - q K,  K = L + lsu + lp0
//     js          L = sum b p' log(p'/m) + (1-b) q log(q/m),  m = b p' + (1-b) q
//                                                          dL/du = q a - q K,  a = (1-b) log(q/m), K = sum q a
// A term whose coefficient (ct, q, b p', (1-b) q) is 0 contributes 0 (0 log 0 = 0, 0 x Infinity =
// 0). Rows whose maximum is infinite take softmax.ts's limits. A reverse KL of +Infinity (student mass
// where the teacher has none) gets its gradient's limits: +Infinity there, -Infinity where both have
// mass, 0 where the student has none.
//
// Sweeps per row: the maxima (and NaN checks); e^du, e^dv and their sums; the terms; the gradient. For
// ce and kl against teacher logits without smoothing or class weights the exp sweep also sums the
// terms (times sv, cTerm) and the terms' sweep is skipped. Sums run in two lanes over blocks of 64
// classes with Kahan lane sums ("Row sums" below); rows of fewer than 32 classes in order, and in the
// SIMD build two such rows at once across the lanes (rows2). The vector sweeps and their scalar twins
// (the scalar build, rows with an infinite maximum, leftover classes) do the same operations in the
// same order: both builds give the same bits.
//
// Returns -1, or the index of the first bad element in the chunk as softmax.ts does (1 = logits,
// 2 = targets, 3 = weight at RES + 16); the compensated sum of weighted row losses at RES.
import {
  bad,
  F_G,
  F_OUT,
  F_PRED,
  F_TGT,
  F_W,
  F32,
  expPoly2V,
  expPlainV,
  kINF,
  kONE,
  kv,
  ldS,
  ldV,
  logPlusS,
  log2V,
  logPlainV,
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
  setR,
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
import { badTarget, emptyRow, exp2, expAny, finishRow, limitZ, log1pU, log1pUV, nanLogit, pair, rowWeight, SMALL, skipRow, softmax } from './softmax';

// flags: write the gradient; targets are teacher logits; class weights given; the mode in bits 3-4.
const GRAD = 1;
const TLOGITS = 2;
const CWEIGHT = 4;
const CE = 0;
const KL = 1;
const RKL = 2;
const JS = 3;

// ---------------------------------------------------------------------------------------------
// Row scans: the max of a row of logits (NaN flagged in gBad), or whether probability targets are
// all finite and >= 0. Max is exact in any order; +0 folds a -0 maximum into +0 for both builds.

let gBad: bool = false;

function scanLogits(p: usize, n: i32): f64 {
  let c = 0;
  let m: f64 = -Infinity;
  let nan = false;
  if (ASC_FEATURE_SIMD) {
    let mv = f64x2.splat(-Infinity);
    let nv = f64x2.splat(0);
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      const a = v128.load(p + o);
      const b = v128.load(p + o, 16);
      mv = f64x2.pmax(mv, f64x2.pmax(a, b));
      nv = v128.or(nv, v128.or(f64x2.ne(a, a), f64x2.ne(b, b)));
    }
    m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    nan = v128.any_true(nv);
  }
  for (; c < n; c++) {
    const x = load<f64>(p + (<usize>c << 3));
    nan = nan || isNaN(x);
    m = max(m, x);
  }
  gBad = nan;
  return m + 0;
}

// Both rows of logits at once (teacher logits): the student's max returned, the teacher's in gMaxV;
// gBad when either holds a NaN.
let gMaxV: f64 = 0;

function scanLogits2(p: usize, q: usize, n: i32): f64 {
  let c = 0;
  let m: f64 = -Infinity;
  let mt: f64 = -Infinity;
  let nan = false;
  if (ASC_FEATURE_SIMD) {
    let mv = f64x2.splat(-Infinity);
    let mw = mv;
    let nv = f64x2.splat(0);
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      const a = v128.load(p + o);
      const b = v128.load(p + o, 16);
      const x = v128.load(q + o);
      const y = v128.load(q + o, 16);
      mv = f64x2.pmax(mv, f64x2.pmax(a, b));
      mw = f64x2.pmax(mw, f64x2.pmax(x, y));
      nv = v128.or(nv, v128.or(v128.or(f64x2.ne(a, a), f64x2.ne(b, b)), v128.or(f64x2.ne(x, x), f64x2.ne(y, y))));
    }
    m = max(f64x2.extract_lane(mv, 0), f64x2.extract_lane(mv, 1));
    mt = max(f64x2.extract_lane(mw, 0), f64x2.extract_lane(mw, 1));
    nan = v128.any_true(nv);
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    const x = load<f64>(p + o);
    const y = load<f64>(q + o);
    nan = nan || isNaN(x) || isNaN(y);
    m = max(m, x);
    mt = max(mt, y);
  }
  gBad = nan;
  gMaxV = mt + 0;
  return m + 0;
}

function probsOk(p: usize, n: i32): bool {
  let c = 0;
  let ok = true;
  if (ASC_FEATURE_SIMD) {
    const zero = f64x2.splat(0);
    const inf = kv(kINF);
    let v = v128.splat<i64>(-1);
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      const a = v128.load(p + o);
      const b = v128.load(p + o, 16);
      v = v128.and(v, v128.and(v128.and(f64x2.ge(a, zero), f64x2.lt(a, inf)), v128.and(f64x2.ge(b, zero), f64x2.lt(b, inf))));
    }
    ok = v128.all_true<i64>(v);
  }
  for (; c < n; c++) {
    const t = load<f64>(p + (<usize>c << 3));
    ok = ok && t >= 0 && t < Infinity;
  }
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Elements. m is the row's max, or 0 for a row whose max `raw` is infinite (limitZ's shifted row).

// (x - m)/T of element o as (x - m) x rT, rT = 1/T (a multiplication: a division per element costs
// more than the rest of the sweep); the scalar twin of dV.
// @ts-ignore: decorator
@inline function dS(p: usize, o: usize, raw: f64, m: f64, rT: f64, scaled: bool): f64 {
  const d = limitZ(load<f64>(p + o), raw) - m;
  return scaled ? d * rT : d;
}

// @ts-ignore: decorator
@inline function dV(p: usize, o: usize, mv: v128, rT: v128, scaled: bool): v128 {
  const d = f64x2.sub(v128.load(p + o), mv);
  return scaled ? f64x2.mul(d, rT) : d;
}

// p' of element o: the teacher's e^dv (stashed at pf) / sv, or the target, smoothed (`smooth`:
// keep != 1 or add != 0; both builds skip the arithmetic alike otherwise).
// @ts-ignore: decorator
@inline function pS(pt: usize, pf: usize, o: usize, tl: bool, rsv: f64, smooth: bool, keep: f64, add: f64): f64 {
  const p = tl ? load<f64>(pf + o) * rsv : load<f64>(pt + o);
  return smooth ? p * keep + add : p;
}

// @ts-ignore: decorator
@inline function pV(pt: usize, pf: usize, o: usize, tl: bool, rsv: v128, smooth: bool, keep: v128, add: v128): v128 {
  const p = tl ? f64x2.mul(v128.load(pf + o), rsv) : v128.load(pt + o);
  return smooth ? f64x2.add(f64x2.mul(p, keep), add) : p;
}

// ct = cw p' (`cw`: class weights given).
// @ts-ignore: decorator
@inline function ctS(p: f64, pcw: usize, o: usize, cw: bool): f64 {
  return cw ? p * load<f64>(pcw + o) : p;
}

// @ts-ignore: decorator
@inline function ctV(p: v128, pcw: usize, o: usize, cw: bool): v128 {
  return cw ? f64x2.mul(p, v128.load(pcw + o)) : p;
}

// The least subnormal: an underflowed coefficient (a softmax is never 0 at a finite logit) is raised
// to it, so that against an infinite logarithm its term is infinite, not 0.
const LEAST: f64 = reinterpret<f64>(<u64>1); // 4.9406564584124654e-324

// c x, or 0 where the coefficient c is 0 (0 log 0 = 0, 0 x Infinity = 0).
// @ts-ignore: decorator
@inline function nzS(c: f64, x: f64): f64 {
  return c == 0 ? 0 : c * x;
}

// @ts-ignore: decorator
@inline function nzV(c: v128, x: v128): v128 {
  return v128.andnot(f64x2.mul(c, x), f64x2.eq(c, f64x2.splat(0)));
}

// log of two vectors into r0(), r1(): log2V where every lane is a normal finite number, else logS
// lane by lane (0, subnormals).
// @ts-ignore: decorator
@inline function logAny2(a: v128, b: v128): void {
  if (v128.all_true<i64>(v128.and(logPlainV(a), logPlainV(b)))) {
    log2V(a, a, b, b, false);
  } else {
    setR(
      pair(logS(f64x2.extract_lane(a, 0)), logS(f64x2.extract_lane(a, 1))),
      pair(logS(f64x2.extract_lane(b, 0)), logS(f64x2.extract_lane(b, 1))),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Row sums. Each sum runs in two lanes (even and odd classes) over blocks of BLK classes; a block's
// lane sums are added to Kahan lane sums, so that the error of a long row's sum does not grow with
// its length (a running sum over 32768 classes loses ~10 bits); the lanes are then combined and an
// odd last class added. The vector steps fill whole blocks; a block's last pair, the scalar build
// and rows with an infinite maximum take the scalar twins, with the same operations.

const BLK = 64;

// Rows of fewer than SMALLD classes are summed in order, in one lane (gSeq), so that the SIMD build can
// take two rows at once, one per lane (rows2): the per-row work (scans, logs, divisions) is then
// shared by two rows.
const SMALLD = 32;
let gSeq: bool = false;

// Kahan lane sums (s, compensation k) of three sums a, b and c, and the block's lane sums added to them.
let kSa0: f64 = 0, kSa1: f64 = 0, kKa0: f64 = 0, kKa1: f64 = 0;
let kSb0: f64 = 0, kSb1: f64 = 0, kKb0: f64 = 0, kKb1: f64 = 0;
let kSc0: f64 = 0, kSc1: f64 = 0, kKc0: f64 = 0, kKc1: f64 = 0;
let bA0: f64 = 0, bA1: f64 = 0, bB0: f64 = 0, bB1: f64 = 0, bC0: f64 = 0, bC1: f64 = 0;

function kReset(): void {
  kSa0 = 0;
  kSa1 = 0;
  kKa0 = 0;
  kKa1 = 0;
  kSb0 = 0;
  kSb1 = 0;
  kKb0 = 0;
  kKb1 = 0;
  kSc0 = 0;
  kSc1 = 0;
  kKc0 = 0;
  kKc1 = 0;
  bA0 = 0;
  bA1 = 0;
  bB0 = 0;
  bB1 = 0;
  bC0 = 0;
  bC1 = 0;
}

// One Kahan step of x into s, k (in gKs, gKk); the compensation is dropped once s is infinite, so
// that an infinite term leaves an infinite sum, not NaN.
let gKs: f64 = 0;
let gKk: f64 = 0;

// @ts-ignore: decorator
@inline function kahan(s: f64, k: f64, x: f64): void {
  const y = x - k;
  const t = s + y;
  gKk = t - t == 0 ? t - s - y : 0;
  gKs = t;
}

/** Adds the block's lane sums bA*, bB*, bC* to the Kahan lane sums and clears them. */
function kFold(): void {
  kahan(kSa0, kKa0, bA0);
  kSa0 = gKs;
  kKa0 = gKk;
  kahan(kSa1, kKa1, bA1);
  kSa1 = gKs;
  kKa1 = gKk;
  kahan(kSb0, kKb0, bB0);
  kSb0 = gKs;
  kKb0 = gKk;
  kahan(kSb1, kKb1, bB1);
  kSb1 = gKs;
  kKb1 = gKk;
  kahan(kSc0, kKc0, bC0);
  kSc0 = gKs;
  kKc0 = gKk;
  kahan(kSc1, kKc1, bC1);
  kSc1 = gKs;
  kKc1 = gKk;
  bA0 = 0;
  bA1 = 0;
  bB0 = 0;
  bB1 = 0;
  bC0 = 0;
  bC1 = 0;
}

// The sums a, b and c with their lanes combined.
// @ts-ignore: decorator
@inline function kTotalA(): f64 {
  return kSa0 + kSa1 - (kKa0 + kKa1);
}

// @ts-ignore: decorator
@inline function kTotalB(): f64 {
  return kSb0 + kSb1 - (kKb0 + kKb1);
}

// @ts-ignore: decorator
@inline function kTotalC(): f64 {
  return kSc0 + kSc1 - (kKc0 + kKc1);
}

// ---------------------------------------------------------------------------------------------
// Sweep 2: e^d of the student's row stashed at pe, and with `two` of the teacher's at pf; the sums of
// e over d < 0 (gRest, gRestV: Kahan sums a, b) and the ties (gTies, gTiesV: exact counts).

let gRest: f64 = 0;
let gTies: f64 = 0;
let gRestV: f64 = 0;
let gTiesV: f64 = 0;
let nT0: f64 = 0, nT1: f64 = 0, nV0: f64 = 0, nV1: f64 = 0;

// One class of sweep 2 (scalar): e stored, added to the lane (lane 1 with `odd`) of a block sum.
let gD: f64 = 0;
let gE: f64 = 0;

function expS1(p: usize, pe: usize, o: usize, raw: f64, m: f64, rT: f64, scaled: bool, teacher: bool, odd: bool): void {
  const d = dS(p, o, raw, m, rT, scaled);
  const e = expAny(d);
  store<f64>(pe + o, e);
  gD = d;
  gE = e;
  const x: f64 = d == 0 ? 0 : e;
  const k: f64 = d == 0 ? 1 : 0;
  odd = odd && !gSeq;
  if (teacher) {
    if (odd) {
      bB1 += x;
      nV1 += k;
    } else {
      bB0 += x;
      nV0 += k;
    }
  } else if (odd) {
    bA1 += x;
    nT1 += k;
  } else {
    bA0 += x;
    nT0 += k;
  }
}

// The ce/kl terms summed in sweep 2 (m3 = 1: f du, m3 = 2: f (dv - du)) of one class, to the lane of
// sum c: termS's terms times sv, with f's coefficient exactly 0 at a -Infinity teacher logit and else
// at least LEAST.
function cTerm(m3: i32, du: f64, dv: f64, f: f64, odd: bool): void {
  const x = nzS(dv == -Infinity ? 0 : max(f, LEAST), m3 == 1 ? du : dv - du);
  if (odd && !gSeq) bC1 += x;
  else bC0 += x;
}

// Sweep 2's scalar pairs from c to end; returns end.
function expPairs(
  two: bool, m3: i32, p: usize, pe: usize, q: usize, pf: usize, c: i32, end: i32,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool,
): i32 {
  for (; c + 2 <= end; c += 2) {
    const o = <usize>c << 3;
    expS1(p, pe, o, rawU, mu, rT, scaled, false, false);
    const du0 = gD;
    expS1(p, pe, o + 8, rawU, mu, rT, scaled, false, true);
    const du1 = gD;
    if (two) {
      expS1(q, pf, o, rawV, mv, rT, scaled, true, false);
      if (m3) cTerm(m3, du0, gD, gE, false);
      expS1(q, pf, o + 8, rawV, mv, rT, scaled, true, true);
      if (m3) cTerm(m3, du1, gD, gE, true);
    }
  }
  return c;
}

// One copy for both target forms (the teacher's part a run-time choice in the loop): 2 KB smaller than
// a copy per form, and measured as fast.
function expSweep(
  two: bool, m3: i32, p: usize, pe: usize, q: usize, pf: usize, n: i32,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool, vec: bool,
): void {
  kReset();
  nT0 = 0;
  nT1 = 0;
  nV0 = 0;
  nV1 = 0;
  const P = n & ~1;
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const zero = f64x2.splat(0);
    const one = kv(kONE);
    const ninf = f64x2.splat(-Infinity);
    const least = f64x2.splat(LEAST);
    const muv = f64x2.splat(mu);
    const mvv = f64x2.splat(mv);
    const tv = f64x2.splat(rT);
    let vn = zero, wn = zero;
    while (c + 4 <= P) {
      const end = min(c + BLK, P);
      let vr = zero, wr = zero, vc = zero;
      for (; c + 4 <= end; c += 4) {
        const o = <usize>c << 3;
        const d0 = dV(p, o, muv, tv, scaled);
        const d1 = dV(p, o + 16, muv, tv, scaled);
        exp2(d0, d1);
        const e0 = r0();
        const e1 = r1();
        v128.store(pe + o, e0);
        v128.store(pe + o, e1, 16);
        const t0 = f64x2.eq(d0, zero);
        const t1 = f64x2.eq(d1, zero);
        vr = f64x2.add(f64x2.add(vr, v128.andnot(e0, t0)), v128.andnot(e1, t1));
        vn = f64x2.add(f64x2.add(vn, v128.and(one, t0)), v128.and(one, t1));
        if (two) {
          const h0 = dV(q, o, mvv, tv, scaled);
          const h1 = dV(q, o + 16, mvv, tv, scaled);
          exp2(h0, h1);
          const f0 = r0();
          const f1 = r1();
          v128.store(pf + o, f0);
          v128.store(pf + o, f1, 16);
          const s0 = f64x2.eq(h0, zero);
          const s1 = f64x2.eq(h1, zero);
          wr = f64x2.add(f64x2.add(wr, v128.andnot(f0, s0)), v128.andnot(f1, s1));
          wn = f64x2.add(f64x2.add(wn, v128.and(one, s0)), v128.and(one, s1));
          if (m3) {
            // cTerm of both pairs
            const x0 = v128.andnot(f64x2.mul(f64x2.pmax(f0, least), m3 == 1 ? d0 : f64x2.sub(h0, d0)), f64x2.eq(h0, ninf));
            const x1 = v128.andnot(f64x2.mul(f64x2.pmax(f1, least), m3 == 1 ? d1 : f64x2.sub(h1, d1)), f64x2.eq(h1, ninf));
            vc = f64x2.add(f64x2.add(vc, x0), x1);
          }
        }
      }
      bA0 = f64x2.extract_lane(vr, 0);
      bA1 = f64x2.extract_lane(vr, 1);
      bB0 = f64x2.extract_lane(wr, 0);
      bB1 = f64x2.extract_lane(wr, 1);
      bC0 = f64x2.extract_lane(vc, 0);
      bC1 = f64x2.extract_lane(vc, 1);
      c = expPairs(two, m3, p, pe, q, pf, c, end, rawU, mu, rawV, mv, rT, scaled);
      kFold();
    }
    nT0 += f64x2.extract_lane(vn, 0);
    nT1 += f64x2.extract_lane(vn, 1);
    nV0 += f64x2.extract_lane(wn, 0);
    nV1 += f64x2.extract_lane(wn, 1);
  }
  while (c < P) {
    c = expPairs(two, m3, p, pe, q, pf, c, min(c + BLK, P), rawU, mu, rawV, mv, rT, scaled);
    kFold();
  }
  let rs = kTotalA();
  let rt = kTotalB();
  let rc = kTotalC();
  if (c < n) {
    const o = <usize>c << 3;
    expS1(p, pe, o, rawU, mu, rT, scaled, false, false);
    rs += bA0;
    if (two) {
      const du = gD;
      expS1(q, pf, o, rawV, mv, rT, scaled, true, false);
      rt += bB0;
      if (m3) {
        cTerm(m3, du, gD, gE, false);
        rc += bC0;
      }
    }
  }
  gRest = rs;
  gTies = nT0 + nT1;
  gRestV = rt;
  gTiesV = nV0 + nV1;
  gCsum = rc;
}

// The sum c of sweep 2 (cTerm's terms).
let gCsum: f64 = 0;

let gL1: f64 = 0;

/** log1pU of a, and of b into gL1: one vector log in the SIMD build. */
function log1p2(a: f64, b: f64): f64 {
  if (ASC_FEATURE_SIMD) {
    const x = pair(a, b);
    log1pUV(x, x);
    const y = r0();
    gL1 = f64x2.extract_lane(y, 1);
    return f64x2.extract_lane(y, 0);
  }
  gL1 = log1pU(b);
  return log1pU(a);
}

// ---------------------------------------------------------------------------------------------
// Sweep 3: the loss terms, Kahan sums a and b (gA, gB); reverse-kl and js leave q a at pe and q at pf
// for the gradient.

let gA: f64 = 0;
let gB: f64 = 0;
// ce, kl against teacher logits without class weights: the gradient (e k - ct) ws, k known before
// sweep 3 (rowLoss's kT), is written in sweep 3.
let gFuse: bool = false;
let gFK: f64 = 0;
let gFWs: f64 = 0;

// The scalar terms of element o for mode M, left in gA and gB.
function termS(
  M: i32, pz: usize, pt: usize, pe: usize, pf: usize, pcw: usize, o: usize,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool, tl: bool, plainLp: bool, smooth: bool, cw: bool,
  keep: f64, add: f64, rsu: f64, rsv: f64, lsu: f64, lp0: f64, beta: f64, bq: f64,
): void {
  const du = dS(pz, o, rawU, mu, rT, scaled);
  const p = pS(pt, pf, o, tl, rsv, smooth, keep, add);
  if (M == CE || M == KL) {
    const ct = ctS(p, pcw, o, cw);
    const lp = plainLp ? dS(pt, o, rawV, mv, rT, scaled) : M == KL ? logS(p) : 0;
    // ct exactly 0 (a zero class weight, target or teacher probability), else underflow-proof
    const zero = (cw && load<f64>(pcw + o) == 0) || (plainLp ? lp == -Infinity : p == 0);
    const cc = zero ? 0 : max(ct, LEAST);
    gA = ct;
    gB = nzS(cc, M == CE ? du : lp - du);
    if (gFuse) store<f64>(pe + o, (load<f64>(pe + o) * gFK - ct) * gFWs);
  } else {
    const q = load<f64>(pe + o) * rsu;
    let t: f64;
    if (M == RKL) {
      t = nzS(du == -Infinity ? 0 : max(q, LEAST), du - (plainLp ? dS(pt, o, rawV, mv, rT, scaled) : logS(p)));
      gA = q;
      gB = t;
    } else {
      const lpf = plainLp ? dS(pt, o, rawV, mv, rT, scaled) + lp0 : logS(p);
      const lm = logS(beta * p + bq * q);
      const cq = bq * q;
      t = nzS(cq, (du - lsu) - lm);
      gA = nzS(beta * p, lpf - lm);
      gB = t;
    }
    store<f64>(pe + o, t);
    store<f64>(pf + o, q);
  }
}

// A block's scalar pairs from c to end, added to its lane sums; returns end.
function termPairs(
  M: i32, pz: usize, pt: usize, pe: usize, pf: usize, pcw: usize, c: i32, end: i32,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool, tl: bool, plainLp: bool, smooth: bool, cw: bool,
  keep: f64, add: f64, rsu: f64, rsv: f64, lsu: f64, lp0: f64, beta: f64, bq: f64,
): i32 {
  for (; c + 2 <= end; c += 2) {
    const o = <usize>c << 3;
    termS(M, pz, pt, pe, pf, pcw, o, rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
    bA0 += gA;
    bB0 += gB;
    termS(M, pz, pt, pe, pf, pcw, o + 8, rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
    if (gSeq) {
      bA0 += gA;
      bB0 += gB;
    } else {
      bA1 += gA;
      bB1 += gB;
    }
  }
  return c;
}

// @ts-ignore: decorator
@inline function termSweep(
  M: i32, pz: usize, pt: usize, pe: usize, pf: usize, pcw: usize, n: i32, vec: bool,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool, tl: bool, plainLp: bool, smooth: bool, cw: bool,
  keep: f64, add: f64, rsu: f64, rsv: f64, lsu: f64, lp0: f64, beta: f64, bq: f64,
): void {
  kReset();
  const P = n & ~1;
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const zero = f64x2.splat(0);
    const ninf = f64x2.splat(-Infinity);
    const least = f64x2.splat(LEAST);
    const muv = f64x2.splat(mu), mvv = f64x2.splat(mv), tv = f64x2.splat(rT);
    const kp = f64x2.splat(keep), ad = f64x2.splat(add), rsuv = f64x2.splat(rsu), rsvv = f64x2.splat(rsv);
    const lsuv = f64x2.splat(lsu), lp0s = f64x2.splat(lp0), bv = f64x2.splat(beta), bqv = f64x2.splat(bq);
    const fuse = gFuse;
    const fk = f64x2.splat(gFK), fws = f64x2.splat(gFWs);
    while (c + 4 <= P) {
      const end = min(c + BLK, P);
      let va = zero;
      let vb = zero;
      // termS for two pairs at once, added pair by pair
      for (; c + 4 <= end; c += 4) {
        const o = <usize>c << 3;
        const du0 = dV(pz, o, muv, tv, scaled);
        const du1 = dV(pz, o + 16, muv, tv, scaled);
        const p0 = pV(pt, pf, o, tl, rsvv, smooth, kp, ad);
        const p1 = pV(pt, pf, o + 16, tl, rsvv, smooth, kp, ad);
        let lp0v = du0, lp1v = du1;
        if (M != CE || plainLp) {
          if (plainLp) {
            lp0v = dV(pt, o, mvv, tv, scaled);
            lp1v = dV(pt, o + 16, mvv, tv, scaled);
            if (M == JS) {
              lp0v = f64x2.add(lp0v, lp0s);
              lp1v = f64x2.add(lp1v, lp0s);
            }
          } else {
            logAny2(p0, p1);
            lp0v = r0();
            lp1v = r1();
          }
        }
        if (M == CE || M == KL) {
          const ct0 = ctV(p0, pcw, o, cw);
          const ct1 = ctV(p1, pcw, o + 16, cw);
          va = f64x2.add(f64x2.add(va, ct0), ct1);
          // termS's zero and cc
          let z0 = plainLp ? f64x2.eq(lp0v, ninf) : f64x2.eq(p0, zero);
          let z1 = plainLp ? f64x2.eq(lp1v, ninf) : f64x2.eq(p1, zero);
          if (cw) {
            z0 = v128.or(z0, f64x2.eq(v128.load(pcw + o), zero));
            z1 = v128.or(z1, f64x2.eq(v128.load(pcw + o, 16), zero));
          }
          // nzV(cc, x) with cc = 0 exactly where z is set, else max(ct, LEAST) > 0: one mask
          const c0 = f64x2.pmax(ct0, least);
          const c1 = f64x2.pmax(ct1, least);
          const x0 = M == CE ? du0 : f64x2.sub(lp0v, du0);
          const x1 = M == CE ? du1 : f64x2.sub(lp1v, du1);
          vb = f64x2.add(f64x2.add(vb, v128.andnot(f64x2.mul(c0, x0), z0)), v128.andnot(f64x2.mul(c1, x1), z1));
          if (fuse) {
            v128.store(pe + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o), fk), ct0), fws));
            v128.store(pe + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o, 16), fk), ct1), fws), 16);
          }
        } else {
          const q0 = f64x2.mul(v128.load(pe + o), rsuv);
          const q1 = f64x2.mul(v128.load(pe + o, 16), rsuv);
          let t0: v128, t1: v128;
          if (M == RKL) {
            const c0 = v128.andnot(f64x2.pmax(q0, least), f64x2.eq(du0, ninf));
            const c1 = v128.andnot(f64x2.pmax(q1, least), f64x2.eq(du1, ninf));
            t0 = nzV(c0, f64x2.sub(du0, lp0v));
            t1 = nzV(c1, f64x2.sub(du1, lp1v));
            va = f64x2.add(f64x2.add(va, q0), q1);
          } else {
            const bp0 = f64x2.mul(bv, p0);
            const bp1 = f64x2.mul(bv, p1);
            const cq0 = f64x2.mul(bqv, q0);
            const cq1 = f64x2.mul(bqv, q1);
            logAny2(f64x2.add(bp0, cq0), f64x2.add(bp1, cq1));
            const lm0 = r0();
            const lm1 = r1();
            t0 = nzV(cq0, f64x2.sub(f64x2.sub(du0, lsuv), lm0));
            t1 = nzV(cq1, f64x2.sub(f64x2.sub(du1, lsuv), lm1));
            va = f64x2.add(f64x2.add(va, nzV(bp0, f64x2.sub(lp0v, lm0))), nzV(bp1, f64x2.sub(lp1v, lm1)));
          }
          vb = f64x2.add(f64x2.add(vb, t0), t1);
          v128.store(pe + o, t0);
          v128.store(pe + o, t1, 16);
          v128.store(pf + o, q0);
          v128.store(pf + o, q1, 16);
        }
      }
      bA0 = f64x2.extract_lane(va, 0);
      bA1 = f64x2.extract_lane(va, 1);
      bB0 = f64x2.extract_lane(vb, 0);
      bB1 = f64x2.extract_lane(vb, 1);
      c = termPairs(M, pz, pt, pe, pf, pcw, c, end, rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
      kFold();
    }
  }
  while (c < P) {
    c = termPairs(M, pz, pt, pe, pf, pcw, c, min(c + BLK, P), rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
    kFold();
  }
  let sa = kTotalA();
  let sb = kTotalB();
  if (c < n) {
    termS(M, pz, pt, pe, pf, pcw, <usize>c << 3, rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
    sa += gA;
    sb += gB;
  }
  gA = sa;
  gB = sb;
}

// ---------------------------------------------------------------------------------------------
// Sweep 4: the gradient over the stash at pe.

/** ce, kl: g = (e k - ct) ws, k = S / su. */
function gradCt(pt: usize, pe: usize, pf: usize, pcw: usize, n: i32, vec: bool, tl: bool, rsv: f64, smooth: bool, cw: bool, keep: f64, add: f64, k: f64, ws: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const kv_ = f64x2.splat(k), w = f64x2.splat(ws), kp = f64x2.splat(keep), ad = f64x2.splat(add), rs = f64x2.splat(rsv);
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      const ct = ctV(pV(pt, pf, o, tl, rs, smooth, kp, ad), pcw, o, cw);
      v128.store(pe + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o), kv_), ct), w));
    }
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    const ct = ctS(pS(pt, pf, o, tl, rsv, smooth, keep, add), pcw, o, cw);
    store<f64>(pe + o, (load<f64>(pe + o) * k - ct) * ws);
  }
}

/** gradCt for teacher logits without smoothing or class weights: g = (e k - f/sv) ws, four a step. */
function gradTeacher(pe: usize, pf: usize, n: i32, vec: bool, rsv: f64, k: f64, ws: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const kk = f64x2.splat(k), w = f64x2.splat(ws), rs = f64x2.splat(rsv);
    for (; c + 4 <= n; c += 4) {
      const o = <usize>c << 3;
      const a = f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o), kk), f64x2.mul(v128.load(pf + o), rs)), w);
      const b = f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o, 16), kk), f64x2.mul(v128.load(pf + o, 16), rs)), w);
      v128.store(pe + o, a);
      v128.store(pe + o, b, 16);
    }
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    store<f64>(pe + o, (load<f64>(pe + o) * k - load<f64>(pf + o) * rsv) * ws);
  }
}

/** reverse-kl, js: g = (q a - q K) ws over q a at pe and q at pf. */
function gradQa(pe: usize, pf: usize, n: i32, vec: bool, K: f64, ws: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const kk = f64x2.splat(K), w = f64x2.splat(ws);
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      v128.store(pe + o, f64x2.mul(f64x2.sub(v128.load(pe + o), f64x2.mul(v128.load(pf + o), kk)), w));
    }
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    store<f64>(pe + o, (load<f64>(pe + o) - load<f64>(pf + o) * K) * ws);
  }
}

/** The limits of an infinite reverse KL's gradient (scalar in both builds); 0 at -Infinity logits. */
function gradInfinite(pz: usize, pe: usize, n: i32, rawU: f64, mu: f64, rT: f64, scaled: bool): void {
  for (let c = 0; c < n; c++) {
    const o = <usize>c << 3;
    const masked = dS(pz, o, rawU, mu, rT, scaled) == -Infinity;
    store<f64>(pe + o, masked ? 0 : load<f64>(pe + o) == Infinity ? Infinity : -Infinity);
  }
}

function zeroRow(pe: usize, n: i32): void {
  memory.fill(pe, 0, <usize>n << 3);
}

// @ts-ignore: decorator
@inline function rowLoss(
  M: i32, m3: i32, pz: usize, pt: usize, pe: usize, pf: usize, pcw: usize, n: i32, vec: bool,
  rawU: f64, mu: f64, rawV: f64, mv: f64, rT: f64, scaled: bool, tl: bool, smooth: bool, cw: bool,
  keep: f64, add: f64, beta: f64, grad: bool, ws: f64,
): f64 {
  const su = gTies + gRest;
  const sv = gTiesV + gRestV;
  let lsu: f64;
  let rsv: f64 = 0;
  let lp0: f64 = 0;
  const plainLp = tl && !smooth;
  if (tl) {
    rsv = 1 / sv;
    lsu = log1p2((gTies - 1) + gRest, (gTiesV - 1) + gRestV);
    if (plainLp) lp0 = -gL1;
  } else {
    lsu = log1pU((gTies - 1) + gRest);
  }
  const rsu = 1 / su;
  // Teacher logits: S = sum p' = keep sv/sv + C add is known before the terms, and so is the ce/kl
  // gradient's k = S/su.
  const S = sv * rsv;
  const kT = (keep * S + <f64>n * add) * rsu;
  if (m3) {
    // sum c holds sv times the terms
    const B = gCsum * rsv;
    const L = M == CE ? S * lsu - B : B + S * (lsu + lp0);
    if (grad) gradTeacher(pe, pf, n, vec, rsv, kT, ws);
    return L;
  }
  const bq = 1 - beta;
  const fuse = grad && (M == CE || M == KL) && tl && !cw;
  gFuse = fuse;
  if (fuse) {
    gFK = kT;
    gFWs = ws;
  }
  termSweep(M, pz, pt, pe, pf, pcw, n, vec, rawU, mu, rawV, mv, rT, scaled, tl, plainLp, smooth, cw, keep, add, rsu, rsv, lsu, lp0, beta, bq);
  let L: f64;
  if (M == CE) L = gA * lsu - gB;
  else if (M == KL) L = gB + gA * (lsu + lp0);
  else if (M == RKL) L = gB - gA * (lsu + lp0);
  else L = gA + gB;
  if (!grad || fuse) return L;
  if (M == CE || M == KL) gradCt(pt, pe, pf, pcw, n, vec, tl, rsv, smooth, cw, keep, add, gA / su, ws);
  else if (M == RKL && L == Infinity) gradInfinite(pz, pe, n, rawU, mu, rT, scaled);
  else gradQa(pe, pf, n, vec, M == RKL ? L + (lsu + lp0) : gB, ws);
  return L;
}

// ---------------------------------------------------------------------------------------------
// Two rows across the lanes (SIMD build, C < SMALLD): row r in lane 0, row r + 1 in lane 1, each
// class's pair of values loaded from the two rows; every operation is the one-row path's (sequential
// sums, termS's terms, rowLoss's constants), lane by lane, so the bits are the same.

// A vector of element o of the row at p (lane 0) and of the next row, `row` bytes on.
// @ts-ignore: decorator
@inline function ldA(p: usize, row: usize, o: usize): v128 {
  return v128.load64_lane(p + row + o, v128.load64_splat(p + o), 1);
}

// @ts-ignore: decorator
@inline function stA(p: usize, row: usize, o: usize, v: v128): void {
  v128.store64_lane(p + o, v, 0);
  v128.store64_lane(p + row + o, v, 1);
}

// (x - m)/T of elements o and o + 8 of both rows, transposed: class o's vector returned, the next
// class's in r1(), from one load per row.
// @ts-ignore: decorator
@inline function dT(p: usize, row: usize, o: usize, m: v128, rT: v128, scaled: bool): v128 {
  const a = v128.load(p + o);
  const b = v128.load(p + row + o);
  let d0 = f64x2.sub(v128.shuffle<i64>(a, b, 0, 2), m);
  let d1 = f64x2.sub(v128.shuffle<i64>(a, b, 1, 3), m);
  if (scaled) {
    d0 = f64x2.mul(d0, rT);
    d1 = f64x2.mul(d1, rT);
  }
  setR(d0, d1);
  return d0;
}

// Stores the vectors x (class o of both rows) and y (the next class) back as row pieces.
// @ts-ignore: decorator
@inline function stT(p: usize, row: usize, o: usize, x: v128, y: v128): void {
  v128.store(p + o, v128.shuffle<i64>(x, y, 0, 2));
  v128.store(p + row + o, v128.shuffle<i64>(x, y, 1, 3));
}

// (x - m)/T of element o of both rows.
// @ts-ignore: decorator
@inline function dA(p: usize, row: usize, o: usize, m: v128, rT: v128, scaled: bool): v128 {
  const d = f64x2.sub(ldA(p, row, o), m);
  return scaled ? f64x2.mul(d, rT) : d;
}

// p' of element o of both rows (pV across).
// @ts-ignore: decorator
@inline function pA(pt: usize, pf: usize, row: usize, o: usize, tl: bool, rsv: v128, smooth: bool, keep: v128, add: v128): v128 {
  const p = tl ? f64x2.mul(ldA(pf, row, o), rsv) : ldA(pt, row, o);
  return smooth ? f64x2.add(f64x2.mul(p, keep), add) : p;
}

// Rows r and r + 1 at z, t, both clean (no NaN logit, targets in range), with finite maxima (into
// gMu2, gMv2: lane 0 row r) and weights > 0: what rows2 takes, checked in one pass over both rows.
// Else false, and the caller checks the rows one by one (errors in order).
// @ts-ignore: decorator
@lazy let gMu2: v128 = v128.splat<i64>(0);
// @ts-ignore: decorator
@lazy let gMv2: v128 = v128.splat<i64>(0);

function pairOk(z: usize, t: usize, pw: usize, r: i32, n: i32, tl: bool): bool {
  const w0 = rowWeight(pw, r);
  const w1 = rowWeight(pw, r + 1);
  if (!(w0 > 0 && w1 > 0)) return false;
  const row = <usize>n << 3;
  const zero = f64x2.splat(0);
  const inf = kv(kINF);
  let mu = f64x2.splat(-Infinity);
  let mv = mu;
  let bad = zero;
  let c = 0;
  for (; c + 2 <= n; c += 2) {
    const o = <usize>c << 3;
    const a = v128.load(z + o);
    const b = v128.load(z + row + o);
    mu = f64x2.pmax(mu, f64x2.pmax(v128.shuffle<i64>(a, b, 0, 2), v128.shuffle<i64>(a, b, 1, 3)));
    bad = v128.or(bad, v128.or(f64x2.ne(a, a), f64x2.ne(b, b)));
    const x = v128.load(t + o);
    const y = v128.load(t + row + o);
    if (tl) {
      mv = f64x2.pmax(mv, f64x2.pmax(v128.shuffle<i64>(x, y, 0, 2), v128.shuffle<i64>(x, y, 1, 3)));
      bad = v128.or(bad, v128.or(f64x2.ne(x, x), f64x2.ne(y, y)));
    } else {
      bad = v128.or(bad, v128.not(v128.and(v128.and(f64x2.ge(x, zero), f64x2.lt(x, inf)), v128.and(f64x2.ge(y, zero), f64x2.lt(y, inf)))));
    }
  }
  if (c < n) {
    const o = <usize>c << 3;
    const a = ldA(z, row, o);
    mu = f64x2.pmax(mu, a);
    bad = v128.or(bad, f64x2.ne(a, a));
    const x = ldA(t, row, o);
    if (tl) {
      mv = f64x2.pmax(mv, x);
      bad = v128.or(bad, f64x2.ne(x, x));
    } else {
      bad = v128.or(bad, v128.not(v128.and(f64x2.ge(x, zero), f64x2.lt(x, inf))));
    }
  }
  // maxima as scanLogits gives them (+0 for -0), finite
  mu = f64x2.add(mu, zero);
  mv = f64x2.add(mv, zero);
  const fin = v128.and(f64x2.lt(f64x2.abs(mu), inf), tl ? f64x2.lt(f64x2.abs(mv), inf) : v128.splat<i64>(-1));
  if (v128.any_true(bad) || !v128.all_true<i64>(fin)) return false;
  gMu2 = mu;
  gMv2 = tl ? mv : zero;
  return true;
}

let gL0: f64 = 0;

/**
 * Rows r and r + 1 (at z, t, e; teacher scratch at pf, two rows) of n < SMALLD classes, both with
 * finite maxima mu, mv (lanes) and weights > 0 (ws: their gradient factors): the losses before T^2
 * into gL0 and gL1.
 */
function rows2(
  M: i32, m3: i32, z: usize, t: usize, e: usize, pf: usize, pcw: usize, n: i32, mu: v128, mv: v128, rT: f64, scaled: bool,
  tl: bool, smooth: bool, cw: bool, keep: f64, add: f64, beta: f64, grad: bool, ws: v128,
): void {
  const row = <usize>n << 3;
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  const tv = f64x2.splat(rT);
  const P = n & ~1;
  const ninf = f64x2.splat(-Infinity);
  const least = f64x2.splat(LEAST);
  // sweep 2: rest and ties of the student (vr, vn) and the teacher (wr, wn), cTerm's sum (vc), in order
  let vr = zero, vn = zero, wr = zero, wn = zero, vc = zero;
  let c = 0;
  for (; c < P; c += 2) {
    // classes c (d0) and c + 1 (d1) of both rows, from one load per row
    const o = <usize>c << 3;
    const d0 = dT(z, row, o, mu, tv, scaled);
    const d1 = r1();
    exp2(d0, d1);
    const e0 = r0();
    const e1 = r1();
    stT(e, row, o, e0, e1);
    const t0 = f64x2.eq(d0, zero);
    const t1 = f64x2.eq(d1, zero);
    vr = f64x2.add(f64x2.add(vr, v128.andnot(e0, t0)), v128.andnot(e1, t1));
    vn = f64x2.add(f64x2.add(vn, v128.and(one, t0)), v128.and(one, t1));
    if (tl) {
      const h0 = dT(t, row, o, mv, tv, scaled);
      const h1 = r1();
      exp2(h0, h1);
      const f0 = r0();
      const f1 = r1();
      stT(pf, row, o, f0, f1);
      const s0 = f64x2.eq(h0, zero);
      const s1 = f64x2.eq(h1, zero);
      wr = f64x2.add(f64x2.add(wr, v128.andnot(f0, s0)), v128.andnot(f1, s1));
      wn = f64x2.add(f64x2.add(wn, v128.and(one, s0)), v128.and(one, s1));
      if (m3) {
        const x0 = v128.andnot(f64x2.mul(f64x2.pmax(f0, least), m3 == 1 ? d0 : f64x2.sub(h0, d0)), f64x2.eq(h0, ninf));
        const x1 = v128.andnot(f64x2.mul(f64x2.pmax(f1, least), m3 == 1 ? d1 : f64x2.sub(h1, d1)), f64x2.eq(h1, ninf));
        vc = f64x2.add(f64x2.add(vc, x0), x1);
      }
    }
  }
  // kFold and kTotal of one block: 0 + the block's sum
  vr = f64x2.add(zero, vr);
  wr = f64x2.add(zero, wr);
  vc = f64x2.add(zero, vc);
  if (c < n) {
    const o = <usize>c << 3;
    const d = dA(z, row, o, mu, tv, scaled);
    const x = pair(expAny(f64x2.extract_lane(d, 0)), expAny(f64x2.extract_lane(d, 1)));
    stA(e, row, o, x);
    const k = f64x2.eq(d, zero);
    vr = f64x2.add(vr, v128.andnot(x, k));
    vn = f64x2.add(vn, v128.and(one, k));
    if (tl) {
      const h = dA(t, row, o, mv, tv, scaled);
      const y = pair(expAny(f64x2.extract_lane(h, 0)), expAny(f64x2.extract_lane(h, 1)));
      stA(pf, row, o, y);
      const kt = f64x2.eq(h, zero);
      wr = f64x2.add(wr, v128.andnot(y, kt));
      wn = f64x2.add(wn, v128.and(one, kt));
      if (m3) vc = f64x2.add(vc, v128.andnot(f64x2.mul(f64x2.pmax(y, least), m3 == 1 ? d : f64x2.sub(h, d)), f64x2.eq(h, ninf)));
    }
  }
  // rowLoss's constants
  const su = f64x2.add(vn, vr);
  const plainLp = tl && !smooth;
  let rsv = zero, lp0 = zero, sv = zero, lsu: v128;
  if (tl) {
    sv = f64x2.add(wn, wr);
    rsv = f64x2.div(one, sv);
    log1pUV(f64x2.add(f64x2.sub(vn, one), vr), f64x2.add(f64x2.sub(wn, one), wr));
    lsu = r0();
    if (plainLp) lp0 = f64x2.neg(r1());
  } else {
    const a = f64x2.add(f64x2.sub(vn, one), vr);
    log1pUV(a, a);
    lsu = r0();
  }
  const rsu = f64x2.div(one, su);
  if (m3) {
    // rowLoss's m3 path: the loss from sum c, then only the gradient
    const S = f64x2.mul(sv, rsv);
    const B = f64x2.mul(vc, rsv);
    const L = m3 == 1 ? f64x2.sub(f64x2.mul(S, lsu), B) : f64x2.add(B, f64x2.mul(S, f64x2.add(lsu, lp0)));
    gL0 = f64x2.extract_lane(L, 0);
    gL1 = f64x2.extract_lane(L, 1);
    if (grad) {
      const k = f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(keep), S), f64x2.splat(<f64>n * add)), rsu);
      for (c = 0; c < n; c++) {
        const o = <usize>c << 3;
        stA(e, row, o, f64x2.mul(f64x2.sub(f64x2.mul(ldA(e, row, o), k), f64x2.mul(ldA(pf, row, o), rsv)), ws));
      }
    }
    return;
  }
  const bq = 1 - beta;
  const fuse = grad && (M == CE || M == KL) && tl && !cw;
  let fk = zero;
  if (fuse) fk = f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(keep), f64x2.mul(sv, rsv)), f64x2.splat(<f64>n * add)), rsu);
  // sweep 3: termS's terms, in order
  const kp = f64x2.splat(keep), ad = f64x2.splat(add), bv = f64x2.splat(beta), bqv = f64x2.splat(bq);
  let va = zero, vb = zero;
  for (c = 0; c < n; c++) {
    if (c == P) {
      // the odd last class goes after kFold's 0 +
      va = f64x2.add(zero, va);
      vb = f64x2.add(zero, vb);
    }
    const o = <usize>c << 3;
    const du = dA(z, row, o, mu, tv, scaled);
    const p = pA(t, pf, row, o, tl, rsv, smooth, kp, ad);
    const cwv = cw ? v128.load64_splat(pcw + o) : zero;
    let lp = zero;
    if (plainLp) lp = dA(t, row, o, mv, tv, scaled);
    else if (M != CE) lp = pair(logS(f64x2.extract_lane(p, 0)), logS(f64x2.extract_lane(p, 1)));
    if (M == CE || M == KL) {
      const ct = cw ? f64x2.mul(p, cwv) : p;
      va = f64x2.add(va, ct);
      let zm = plainLp ? f64x2.eq(lp, ninf) : f64x2.eq(p, zero);
      if (cw) zm = v128.or(zm, f64x2.eq(cwv, zero));
      // nzV(cc, x), cc = 0 exactly where zm is set, else max(ct, LEAST) > 0: one mask
      vb = f64x2.add(vb, v128.andnot(f64x2.mul(f64x2.pmax(ct, least), M == CE ? du : f64x2.sub(lp, du)), zm));
      if (fuse) stA(e, row, o, f64x2.mul(f64x2.sub(f64x2.mul(ldA(e, row, o), fk), ct), ws));
    } else {
      const q = f64x2.mul(ldA(e, row, o), rsu);
      let tt: v128;
      if (M == RKL) {
        tt = nzV(v128.andnot(f64x2.pmax(q, least), f64x2.eq(du, ninf)), f64x2.sub(du, lp));
        va = f64x2.add(va, q);
      } else {
        const lpf = plainLp ? f64x2.add(lp, lp0) : lp;
        const bp = f64x2.mul(bv, p);
        const cq = f64x2.mul(bqv, q);
        const m = f64x2.add(bp, cq);
        const lm = pair(logS(f64x2.extract_lane(m, 0)), logS(f64x2.extract_lane(m, 1)));
        tt = nzV(cq, f64x2.sub(f64x2.sub(du, lsu), lm));
        va = f64x2.add(va, nzV(bp, f64x2.sub(lpf, lm)));
      }
      vb = f64x2.add(vb, tt);
      stA(e, row, o, tt);
      stA(pf, row, o, q);
    }
  }
  if (P == n) {
    va = f64x2.add(zero, va);
    vb = f64x2.add(zero, vb);
  }
  let L: v128;
  if (M == CE) L = f64x2.sub(f64x2.mul(va, lsu), vb);
  else if (M == KL) L = f64x2.add(vb, f64x2.mul(va, f64x2.add(lsu, lp0)));
  else if (M == RKL) L = f64x2.sub(vb, f64x2.mul(va, f64x2.add(lsu, lp0)));
  else L = f64x2.add(va, vb);
  gL0 = f64x2.extract_lane(L, 0);
  gL1 = f64x2.extract_lane(L, 1);
  if (!grad || fuse) return;
  if (M == CE || M == KL) {
    const k = f64x2.div(va, su);
    for (c = 0; c < n; c++) {
      const o = <usize>c << 3;
      const p = pA(t, pf, row, o, tl, rsv, smooth, kp, ad);
      const ct = cw ? f64x2.mul(p, v128.load64_splat(pcw + o)) : p;
      stA(e, row, o, f64x2.mul(f64x2.sub(f64x2.mul(ldA(e, row, o), k), ct), ws));
    }
  } else {
    const K = M == RKL ? f64x2.add(L, f64x2.add(lsu, lp0)) : vb;
    if (M == RKL && (gL0 == Infinity || gL1 == Infinity)) {
      // gradInfinite or gradQa, row by row (scalar: the same operations)
      const m0 = f64x2.extract_lane(mu, 0);
      const m1 = f64x2.extract_lane(mu, 1);
      if (gL0 == Infinity) gradInfinite(z, e, n, m0, m0, rT, scaled);
      else gradQa(e, pf, n, false, f64x2.extract_lane(K, 0), f64x2.extract_lane(ws, 0));
      if (gL1 == Infinity) gradInfinite(z + row, e + row, n, m1, m1, rT, scaled);
      else gradQa(e + row, pf + row, n, false, f64x2.extract_lane(K, 1), f64x2.extract_lane(ws, 1));
      return;
    }
    for (c = 0; c < n; c++) {
      const o = <usize>c << 3;
      stA(e, row, o, f64x2.mul(f64x2.sub(ldA(e, row, o), f64x2.mul(ldA(pf, row, o), K)), ws));
    }
  }
}

/**
 * The distillation losses (flags: GRAD, TLOGITS, CWEIGHT, mode << 3) of `rows` rows of C classes:
 * logits at pz, targets (probabilities or teacher logits) at pt, C class weights at pcw (ones when
 * none; the next C doubles are scratch), pw / pout per-row weight and loss (0 = absent), pg C x rows
 * gradient (always present: scratch without GRAD). T: temperature; beta: js's weight of the teacher.
 */
export function distill(pz: usize, pt: usize, pcw: usize, pw: usize, pm: usize, pout: usize, pg: usize, rows: i32, C: i32, keep: f64, add: f64, gscale: f64, T: f64, beta: f64, flags: i32): i32 {
  const grad = (flags & GRAD) != 0;
  const tl = (flags & TLOGITS) != 0;
  const cw = (flags & CWEIGHT) != 0;
  const mode = flags >> 3;
  const smooth = keep != 1 || add != 0;
  const scaled = T != 1;
  const rT = 1 / T;
  const T2 = T * T;
  const pf = pcw + (<usize>C << 3);
  // ce and kl against teacher logits without smoothing or class weights sum their terms in sweep 2
  // (sum c, cTerm): sweep 3 is then only the gradient.
  const m3 = tl && !smooth && !cw ? (mode == CE ? 1 : mode == KL ? 2 : 0) : 0;
  gSeq = C < SMALLD;
  sumReset();
  for (let r = 0; r < rows; ) {
    const off = <usize>r * <usize>C << 3;
    if (skipRow(pm, r)) {
      emptyRow(pout, pg + off, r, C, grad);
      r++;
      continue;
    }
    if (ASC_FEATURE_SIMD && gSeq && r + 1 < rows && !skipRow(pm, r + 1) && pairOk(pz + off, pt + off, pw, r, C, tl)) {
      const w0 = rowWeight(pw, r);
      const w1 = rowWeight(pw, r + 1);
      const mu = gMu2;
      const mv = gMv2;
      const ws = f64x2.mul(f64x2.mul(pair(w0, w1), f64x2.splat(gscale)), f64x2.splat(T));
      rows2(mode, m3, pz + off, pt + off, pg + off, pf, pcw, C, mu, mv, rT, scaled, tl, smooth, cw, keep, add, beta, grad, ws);
      finishRow(pout, r, w0, gL0 * T2);
      finishRow(pout, r + 1, w1, gL1 * T2);
      r += 2;
      continue;
    }
    const b = check(pz, pt, pw, r, C, tl);
    if (b >= 0) return b;
    const rawU = gRU;
    const rawV = gRV;
    const w = gW;
    const finU = rawU - rawU == 0;
    const finV = !tl || rawV - rawV == 0;
    const z = pz + off;
    const t = pt + off;
    const e = pg + off;
    if (w == 0) {
      if (grad) zeroRow(e, C);
      finishRow(pout, r, 0, 0);
      r++;
      continue;
    }
    const vec = ASC_FEATURE_SIMD && finU && finV && !gSeq;
    const mu = finU ? rawU : 0;
    const mv = finV ? rawV : 0;
    expSweep(tl, m3, z, e, t, pf, C, rawU, mu, rawV, mv, rT, scaled, vec);
    const ws = w * gscale * T;
    // One copy of the row's code for every mode (the mode is a run-time value in the terms' loop): the
    // common case, ce and kl against teacher logits, skips that loop (m3); specialized copies per mode
    // cost 5.8 KB of the SIMD module.
    const L = rowLoss(mode, m3, z, t, e, pf, pcw, C, vec, rawU, mu, rawV, mv, rT, scaled, tl, smooth, cw, keep, add, beta, grad, ws);
    finishRow(pout, r, w, L * T2);
    r++;
  }
  sumStore(RES);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Class-index targets (PyTorch's cross_entropy with integer labels): row r's target is label y (i32 at
// plab), smoothed as t' = keep [c = y] + add, so that with d = z - m and lsu = log1p(s - 1):
//   L = keep w_y (lsu - d_y) + add (W lsu - sum w_c d_c),   W = sum w_c (the caller's)
//   dL/dz_c = q_c S - keep w_y [c = y] - add w_c,           S = keep w_y + add W
// Every term is >= 0: no cancellation. S needs no sum over the row; sum w_c d_c is a Kahan lane sum
// (dSum) only with smoothing. Rows of fewer than SMALL classes go to softmax.ts as one-hot rows
// (indexShort). A row whose label is `ignore` (unless NOIGN) or whose mask byte is 0 is not read: its
// loss and gradient are 0 and it adds nothing. A label outside [0, C) is bad (argument 2, index r),
// checked after the row's logits and before its weight.

const NOIGN = 2;

// One term of dSum: w_c d_c, 0 where w_c = 0.
// @ts-ignore: decorator
@inline function dTerm(p: usize, pcw: usize, o: usize, raw: f64, m: f64, cw: bool): f64 {
  const d = dS(p, o, raw, m, 1, false);
  return cw ? nzS(load<f64>(pcw + o), d) : d;
}

function dPairs(p: usize, pcw: usize, c: i32, end: i32, raw: f64, m: f64, cw: bool): i32 {
  for (; c + 2 <= end; c += 2) {
    const o = <usize>c << 3;
    bA0 += dTerm(p, pcw, o, raw, m, cw);
    bA1 += dTerm(p, pcw, o + 8, raw, m, cw);
  }
  return c;
}

/** sum w_c (z_c - m) over a row, in expSweep's lanes and blocks. */
function dSum(p: usize, pcw: usize, n: i32, raw: f64, m: f64, cw: bool, vec: bool): f64 {
  kReset();
  const P = n & ~1;
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const zero = f64x2.splat(0);
    const mv = f64x2.splat(m);
    while (c + 4 <= P) {
      const end = min(c + BLK, P);
      let va = zero;
      for (; c + 4 <= end; c += 4) {
        const o = <usize>c << 3;
        let d0 = f64x2.sub(v128.load(p + o), mv);
        let d1 = f64x2.sub(v128.load(p + o, 16), mv);
        if (cw) {
          d0 = nzV(v128.load(pcw + o), d0);
          d1 = nzV(v128.load(pcw + o, 16), d1);
        }
        va = f64x2.add(f64x2.add(va, d0), d1);
      }
      bA0 = f64x2.extract_lane(va, 0);
      bA1 = f64x2.extract_lane(va, 1);
      c = dPairs(p, pcw, c, end, raw, m, cw);
      kFold();
    }
  }
  while (c < P) {
    c = dPairs(p, pcw, c, min(c + BLK, P), raw, m, cw);
    kFold();
  }
  let s = kTotalA();
  if (c < n) s += dTerm(p, pcw, <usize>c << 3, raw, m, cw);
  return s;
}

/** g = (e k - add w_c) ws over the stash at pe. */
function gradIndex(pe: usize, pcw: usize, n: i32, vec: bool, cw: bool, add: f64, k: f64, ws: f64): void {
  let c = 0;
  if (ASC_FEATURE_SIMD && vec) {
    const kk = f64x2.splat(k), w = f64x2.splat(ws), ad = f64x2.splat(add);
    for (; c + 2 <= n; c += 2) {
      const o = <usize>c << 3;
      const ct = cw ? f64x2.mul(ad, v128.load(pcw + o)) : ad;
      v128.store(pe + o, f64x2.mul(f64x2.sub(f64x2.mul(v128.load(pe + o), kk), ct), w));
    }
  }
  for (; c < n; c++) {
    const o = <usize>c << 3;
    const ct = cw ? add * load<f64>(pcw + o) : add;
    store<f64>(pe + o, (load<f64>(pe + o) * k - ct) * ws);
  }
}

/**
 * softmaxCrossEntropy with class indices (flags: GRAD, NOIGN, CWEIGHT): logits at pz, labels (i32) at
 * plab, class weights at pcw (CWEIGHT; W = their sum, or C), pw / pout / pm per-row weight, loss and
 * mask (0 = absent), pg C x rows gradient (scratch without GRAD).
 */
export function softmaxIndex(pz: usize, plab: usize, pt: usize, pcw: usize, pw: usize, pm: usize, ps: usize, pout: usize, pg: usize, rows: i32, C: i32, keep: f64, add: f64, W: f64, gscale: f64, ignore: i32, flags: i32): i32 {
  const grad = (flags & GRAD) != 0;
  const cw = (flags & CWEIGHT) != 0;
  const noign = (flags & NOIGN) != 0;
  if (C < SMALL) return indexShort(pz, plab, pt, pcw, pw, pm, ps, pout, pg, rows, C, keep, add, gscale, ignore, grad, cw, noign);
  gSeq = false;
  sumReset();
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>C << 3;
    const z = pz + off;
    const e = pg + off;
    const y = load<i32>(plab + (<usize>r << 2));
    if (skipRow(pm, r) || (!noign && y == ignore)) {
      emptyRow(pout, e, r, C, grad);
      continue;
    }
    const raw = scanLogits(z, C);
    if (gBad) return bad(r * C + nanLogit(z, C), 1);
    if (<u32>y >= <u32>C) return bad(r, 2);
    const w = rowWeight(pw, r);
    if (w < 0) return bad(r, 3);
    if (w == 0) {
      if (grad) zeroRow(e, C);
      finishRow(pout, r, 0, 0);
      continue;
    }
    const fin = raw - raw == 0;
    const mu = fin ? raw : 0;
    const vec = ASC_FEATURE_SIMD && fin;
    expSweep(false, 0, z, e, 0, 0, C, raw, mu, 0, 0, 1, false, vec);
    const su = gTies + gRest;
    const lsu = log1pU((gTies - 1) + gRest);
    const oy = <usize>y << 3;
    const A = add != 0 ? dSum(z, pcw, C, raw, mu, cw, vec) : 0;
    const L = idxLoss(z, pcw, oy, raw, mu, lsu, A, cw, keep, add, W);
    if (grad) {
      const ws = w * gscale;
      const k = gS / su;
      const ey = load<f64>(e + oy);
      gradIndex(e, pcw, C, vec, cw, add, k, ws);
      store<f64>(e + oy, idxGradY(ey, k, pcw, oy, cw, keep, add, ws));
    }
    finishRow(pout, r, w, L);
  }
  sumStore(RES);
  return -1;
}

/**
 * The denominator of 'mean' with class indices (PyTorch's rule): the sum of w_y (1 without CWEIGHT)
 * over the rows neither masked (pm) nor ignored whose label is in [0, C), compensated (Kahan).
 */
export function labelWeight(plab: usize, pcw: usize, pm: usize, rows: i32, C: i32, ignore: i32, flags: i32): f64 {
  const noign = (flags & NOIGN) != 0;
  if ((flags & CWEIGHT) == 0) {
    // a count (a Kahan step per row would be a latency chain)
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const y = load<i32>(plab + (<usize>r << 2));
      n += i32(!skipRow(pm, r) && (noign || y != ignore) && <u32>y < <u32>C);
    }
    return n;
  }
  let s: f64 = 0;
  let k: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const y = load<i32>(plab + (<usize>r << 2));
    if (skipRow(pm, r) || (!noign && y == ignore) || <u32>y >= <u32>C) continue;
    const x = load<f64>(pcw + (<usize>y << 3)) - k;
    const t = s + x;
    k = t - s - x;
    s = t;
  }
  return s - k;
}

/**
 * Rows of fewer than SMALL classes: the labels become one-hot target rows at pt (each row's t' = keep
 * [c = y] + add is then softmax's), masked and ignored rows 0 in the row mask at ps, and softmax.ts's
 * kernel takes them (four rows across the lanes; the same bits in both builds). A bad label stops the
 * rows before it; its row's logits are checked first, as everywhere.
 */
function indexShort(pz: usize, plab: usize, pt: usize, pcw: usize, pw: usize, pm: usize, ps: usize, pout: usize, pg: usize, rows: i32, C: i32, keep: f64, add: f64, gscale: f64, ignore: i32, grad: bool, cw: bool, noign: bool): i32 {
  let end = rows;
  for (let r = 0; r < rows; r++) {
    const y = load<i32>(plab + (<usize>r << 2));
    const kept = !skipRow(pm, r) && (noign || y != ignore);
    if (kept && <u32>y >= <u32>C) {
      end = r;
      break;
    }
    store<u8>(ps + <usize>r, kept ? 1 : 0);
  }
  memory.fill(pt, 0, <usize>end * <usize>C << 3);
  for (let r = 0; r < end; r++) {
    if (load<u8>(ps + <usize>r) == 0) continue;
    store<f64>(pt + ((<usize>r * <usize>C + <usize>load<i32>(plab + (<usize>r << 2))) << 3), 1);
  }
  const plain = !cw && keep == 1 && add == 0;
  const b = softmax(pz, pt, pcw, pw, ps, pout, pg, end, C, keep, add, gscale, (grad ? 1 : 0) | (plain ? 4 : 0));
  if (b >= 0 || end == rows) return b;
  const n = nanLogit(pz + (<usize>end * <usize>C << 3), C);
  return n >= 0 ? bad(end * C + n, 1) : bad(end, 2);
}

// The row's S = keep w_y + add W, left by idxLoss.
let gS: f64 = 0;

/** The loss of a row from lsu and A = sum w_c d_c (add != 0); S into gS. */
function idxLoss(z: usize, pcw: usize, oy: usize, raw: f64, mu: f64, lsu: f64, A: f64, cw: bool, keep: f64, add: f64, W: f64): f64 {
  const ky = keep * (cw ? load<f64>(pcw + oy) : 1);
  let L = nzS(ky, lsu - dS(z, oy, raw, mu, 1, false));
  let S = ky;
  if (add != 0) {
    L += add * (W * lsu - A);
    S += add * W;
  }
  gS = S;
  return L;
}

/** The gradient at the label, from its e_y. */
// @ts-ignore: decorator
@inline function idxGradY(ey: f64, k: f64, pcw: usize, oy: usize, cw: bool, keep: f64, add: f64, ws: f64): f64 {
  const wy = cw ? load<f64>(pcw + oy) : 1;
  return (ey * k - ((cw ? add * wy : add) + keep * wy)) * ws;
}

// Row r's checks (logits, then targets, then its weight): -1, or the bad element (bad()); its maxima
// and weight in gRU, gRV, gW.
let gRU: f64 = 0;
let gRV: f64 = 0;
let gW: f64 = 0;

function check(pz: usize, pt: usize, pw: usize, r: i32, C: i32, tl: bool): i32 {
  const off = <usize>r * <usize>C << 3;
  const z = pz + off;
  const t = pt + off;
  if (tl) {
    gRU = scanLogits2(z, t, C);
    gRV = gMaxV;
    if (gBad) {
      const i = nanLogit(z, C);
      return i >= 0 ? bad(r * C + i, 1) : bad(r * C + nanLogit(t, C), 2);
    }
  } else {
    gRU = scanLogits(z, C);
    gRV = 0;
    if (gBad) return bad(r * C + nanLogit(z, C), 1);
    if (!probsOk(t, C)) return bad(r * C + badTarget(t, C), 2);
  }
  gW = rowWeight(pw, r);
  if (gW < 0) return bad(r, 3);
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Multi-label distillation: bceWithLogits of x = z/T against t = sigmoid(s/T), 1 - t = sigmoid(-s/T)
// (never 1 - t by subtraction: for a confident teacher it is e^-|s/T|, not 0), times T^2:
//   loss = T^2 (pw t softplus(-x) + (1-t) softplus(x)),  d/dz = T ((1-t) sigmoid(x) - pw t sigmoid(-x))
// With probability targets (no TLOGITS) 1 - t is the subtraction, as bceWithLogits.
// Four Kahan lanes (elements i..i+3 of each step) folded in order, then the tail: the SIMD build
// computes plain steps as two vectors, every other step lane by lane with the scalar element, which
// is the scalar build's: both builds give the same bits.

let gL: f64 = 0;

// One element, every special case: validates, stores, leaves the weighted loss in gL.
function bElem(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, i: i32, gs: f64, posW: f64, rT: f64, T2: f64, scaled: bool, tl: bool): i32 {
  const o = <usize>i << 3;
  if (masked(i)) {
    skipElem(pout, pg, o);
    gL = 0;
    return -1;
  }
  const z = ldS(px, o, (F32 & F_PRED) != 0);
  const s = ldS(pt, o, (F32 & F_TGT) != 0);
  if (isNaN(z)) return bad(i, 1);
  if (tl ? isNaN(s) : !(s >= 0 && s <= 1)) return bad(i, 2);
  let w: f64 = 1;
  if (pw) {
    w = ldS(pw, o, (F32 & F_W) != 0);
    if (!(w >= 0 && w < Infinity)) return bad(i, 3);
  }
  const x = scaled ? z * rT : z;
  const e = expAny(-Math.abs(x));
  const u = 1 + e;
  const ru = 1 / u;
  // log1p(e) = log(u) + (e - (u - 1))/u
  const l = logPlusS(u, (e - (u - 1)) * ru);
  let tp = s;
  let tn = 1 - s;
  if (tl) {
    const y = scaled ? s * rT : s;
    const E = expAny(-Math.abs(y));
    const rU = 1 / (1 + E);
    tp = (y >= 0 ? 1 : E) * rU;
    tn = (y >= 0 ? E : 1) * rU;
  }
  const ca = posW * tp;
  let loss = (nzS(ca, (-x < 0 ? 0 : -x) + l) + nzS(tn, (x < 0 ? 0 : x) + l)) * T2;
  let g = (tn * ((x >= 0 ? 1 : e) * ru) - ca * ((x >= 0 ? e : 1) * ru)) * gs;
  loss = w * loss;
  g = w * g;
  if (w == 0) {
    loss = 0;
    g = 0;
  }
  if (pout) stS(pout, o, (F32 & F_OUT) != 0, loss);
  if (pg) stS(pg, o, (F32 & F_G) != 0, g);
  gL = loss;
  return -1;
}

// The vector twin of bElem for two plain pairs (finite, |x| and |s/T| <= 708, weights valid); e^-|x|
// is expPoly there (no division), as expAny gives it in bElem.
// @ts-ignore: decorator
@inline function bPair(x: v128, s: v128, w: v128, e: v128, ru: v128, l: v128, y: v128, E: v128, posW: v128, T2: v128, gs: v128, tl: bool, hasW: bool, o: usize, pout: usize, pg: usize): v128 {
  const zero = f64x2.splat(0);
  const one = kv(kONE);
  let tp = s;
  let tn = f64x2.sub(one, s);
  if (tl) {
    const rU = f64x2.div(one, f64x2.add(one, E));
    const ge = f64x2.ge(y, zero);
    tp = f64x2.mul(v128.bitselect(one, E, ge), rU);
    tn = f64x2.mul(v128.bitselect(E, one, ge), rU);
  }
  const ca = f64x2.mul(posW, tp);
  const spNeg = f64x2.add(f64x2.pmax(f64x2.neg(x), zero), l);
  const spPos = f64x2.add(f64x2.pmax(x, zero), l);
  let loss = f64x2.mul(f64x2.add(nzV(ca, spNeg), nzV(tn, spPos)), T2);
  const ge = f64x2.ge(x, zero);
  const sig = f64x2.mul(v128.bitselect(one, e, ge), ru);
  const sigN = f64x2.mul(v128.bitselect(e, one, ge), ru);
  let g = f64x2.mul(f64x2.sub(f64x2.mul(tn, sig), f64x2.mul(ca, sigN)), gs);
  if (hasW) {
    loss = f64x2.mul(w, loss);
    g = f64x2.mul(w, g);
    const w0 = f64x2.eq(w, zero);
    loss = v128.andnot(loss, w0);
    g = v128.andnot(g, w0);
  }
  if (pout) stV(pout, o, (F32 & F_OUT) != 0, loss);
  if (pg) stV(pg, o, (F32 & F_G) != 0, g);
  return loss;
}

/**
 * bceWithLogits against teacher logits (tlogits) or probabilities, with temperature T: arguments as
 * bceWithLogits in binary.ts, then T and tlogits.
 */
export function bceDistill(px: usize, pt: usize, pw: usize, pout: usize, pg: usize, n: i32, gscale: f64, f32: i32, posW: f64, T: f64, tlogits: i32, pm: usize): i32 {
  setF32(f32);
  setMask(pm, 1, 0);
  sumReset();
  const tl = tlogits != 0;
  const scaled = T != 1;
  const rT = 1 / T;
  const T2 = T * T;
  const gs = gscale * T;
  let i = 0;
  // Kahan lanes of elements i, i+1, i+2, i+3 of each step (lanes4)
  lanes4Reset();
  if (ASC_FEATURE_SIMD) {
    const zero = f64x2.splat(0);
    const one = kv(kONE);
    const tv = f64x2.splat(rT);
    const pv = f64x2.splat(posW);
    const t2 = f64x2.splat(T2);
    const gv = f64x2.splat(gs);
    const fx = (F32 & F_PRED) != 0, ft = (F32 & F_TGT) != 0, fw = (F32 & F_W) != 0;
    let va = zero, vb = zero, ca = zero, cb = zero;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      // A group holding a masked-out sample reads and writes a scratch copy (maskGroup, maskOut).
      const mg = masked4(i) ? maskGroup(i, px, pt, pw, pout, pg, 0) : 0;
      if (mg == 1) continue;
      const qx = mg ? Q_A : px, qt = mg ? Q_T : pt, qw = mg ? Q_W : pw;
      const qo = mg ? Q_OUT : pout, qg = mg ? Q_G : pg, qk = mg ? S_KEEP : KEEP_ALL;
      let x0 = ldV(qx, o, fx);
      let x1 = ldV(qx, o + 16, fx);
      const t0 = ldV(qt, o, ft);
      const t1 = ldV(qt, o + 16, ft);
      const w0 = pw ? ldV(qw, o, fw) : one;
      const w1 = pw ? ldV(qw, o + 16, fw) : one;
      if (scaled) {
        x0 = f64x2.mul(x0, tv);
        x1 = f64x2.mul(x1, tv);
      }
      let y0 = t0, y1 = t1;
      if (tl && scaled) {
        y0 = f64x2.mul(t0, tv);
        y1 = f64x2.mul(t1, tv);
      }
      const nx0 = f64x2.neg(f64x2.abs(x0));
      const nx1 = f64x2.neg(f64x2.abs(x1));
      const ny0 = f64x2.neg(f64x2.abs(y0));
      const ny1 = f64x2.neg(f64x2.abs(y1));
      let ok = v128.and(expPlainV(nx0), expPlainV(nx1));
      ok = v128.and(ok, tl ? v128.and(expPlainV(ny0), expPlainV(ny1)) : v128.and(
        v128.and(f64x2.ge(t0, zero), f64x2.le(t0, one)), v128.and(f64x2.ge(t1, zero), f64x2.le(t1, one))));
      if (pw) {
        const inf = kv(kINF);
        ok = v128.and(ok, v128.and(v128.and(f64x2.ge(w0, zero), f64x2.lt(w0, inf)), v128.and(f64x2.ge(w1, zero), f64x2.lt(w1, inf))));
      }
      let l0: v128, l1: v128;
      if (v128.all_true<i64>(ok)) {
        expPoly2V(nx0, nx1);
        const e0 = r0();
        const e1 = r1();
        let E0 = zero, E1 = zero;
        if (tl) {
          expPoly2V(ny0, ny1);
          E0 = r0();
          E1 = r1();
        }
        const u0 = f64x2.add(one, e0);
        const u1 = f64x2.add(one, e1);
        const ru0 = f64x2.div(one, u0);
        const ru1 = f64x2.div(one, u1);
        // log1p(e) = log(u) + (e - (u - 1))/u
        log2V(u0, f64x2.mul(f64x2.sub(e0, f64x2.sub(u0, one)), ru0), u1, f64x2.mul(f64x2.sub(e1, f64x2.sub(u1, one)), ru1), true);
        const lg0 = r0();
        const lg1 = r1();
        // the losses of kept samples only
        l0 = v128.and(bPair(x0, t0, w0, e0, ru0, lg0, y0, E0, pv, t2, gv, tl, pw != 0, o, qo, qg), v128.load(qk));
        l1 = v128.and(bPair(x1, t1, w1, e1, ru1, lg1, y1, E1, pv, t2, gv, tl, pw != 0, o + 16, qo, qg), v128.load(qk, 16));
        if (mg) maskOut(i, pout, pg);
      } else {
        let r = bElem(px, pt, pw, pout, pg, i, gs, posW, rT, T2, scaled, tl);
        if (r >= 0) return r;
        const a = gL;
        r = bElem(px, pt, pw, pout, pg, i + 1, gs, posW, rT, T2, scaled, tl);
        if (r >= 0) return r;
        l0 = pair(a, gL);
        r = bElem(px, pt, pw, pout, pg, i + 2, gs, posW, rT, T2, scaled, tl);
        if (r >= 0) return r;
        const b = gL;
        r = bElem(px, pt, pw, pout, pg, i + 3, gs, posW, rT, T2, scaled, tl);
        if (r >= 0) return r;
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
    lanes4From(va, vb, ca, cb);
  }
  for (; i + 4 <= n; i += 4) {
    for (let j = 0; j < 4; j++) {
      const r = bElem(px, pt, pw, pout, pg, i + j, gs, posW, rT, T2, scaled, tl);
      if (r >= 0) return r;
      lanes4Add(j, gL);
    }
  }
  lanes4Fold();
  for (; i < n; i++) {
    const r = bElem(px, pt, pw, pout, pg, i, gs, posW, rT, T2, scaled, tl);
    if (r >= 0) return r;
    sumAdd(gL);
  }
  sumStore(RES);
  return -1;
}
